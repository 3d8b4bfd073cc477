import { fillHeap } from "./heap-fill"
import { buildReferenceTables } from "./reference-aes"
// The benchmark's reference layout with 4 T-table(s) and a number-array S-box, nothing else.
buildReferenceTables(4)
await fillHeap()
