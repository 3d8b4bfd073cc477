import { fillHeap } from "./heap-fill"
import { aes128ExpandKey } from "../../src/crypto/aes128"
// Encryption tables (four T-tables, S-box) plus one key schedule: what Milenage needs.
const key = aes128ExpandKey(Buffer.alloc(16))
await fillHeap()
console.log("" + key.enc.length)
