import { fillHeap } from "./heap-fill"
import { aes128ExpandKey } from "../../src/crypto/aes128"
// The crypto code is linked in but nothing is built: the baseline.
const unused = false
if (unused) aes128ExpandKey(Buffer.alloc(16))
await fillHeap()
