import { fillHeap } from "./heap-fill"
import { aes128DecryptBlock, aes128ExpandKey } from "../../src/crypto/aes128"
// Encryption plus decryption tables and both key schedules: what AT_ENCR_DATA adds.
const key = aes128ExpandKey(Buffer.alloc(16))
aes128DecryptBlock(key, Buffer.alloc(16), 0, Buffer.alloc(16), 0)
await fillHeap()
console.log("" + key.dec.length)
