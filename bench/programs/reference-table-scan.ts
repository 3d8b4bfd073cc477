// Two ways to read one row of the fixed-base table for two digits, for the public-key benchmark:
// 32-bit words assembled from four byte reads, and words read by Buffer.getAt (what
// edwards25519.ts does). Both OR every entry's words in under the digits' masks, as the core does.

import { BASE_TABLE } from "../../src/crypto/edwards25519-base-table"

const words1: number[] = []
const words2: number[] = []
for (let i = 0; i < 24; i++) {
    words1.push(0)
    words2.push(0)
}
const masks1 = [0, 0, -1, 0, 0, 0, 0, 0]
const masks2 = [0, 0, 0, 0, 0, -1, 0, 0]

/** Row `row`, entry by entry, each word from four byte reads. */
export function scanByBytes(row: number): void {
    const table = BASE_TABLE
    for (let w = 0; w < 24; w++) {
        words1[w] = 0
        words2[w] = 0
    }
    for (let j = 0; j < 8; j++) {
        let o = (row * 8 + j) * 96
        for (let w = 0; w < 24; w++) {
            const v = table[o] | (table[o + 1] << 8) | (table[o + 2] << 16) | (table[o + 3] << 24)
            words1[w] |= masks1[j] & v
            words2[w] |= masks2[j] & v
            o += 4
        }
    }
}

/** The same row, word by word over the entries, each word by getAt. */
export function scanByGetAt(row: number): void {
    const table = BASE_TABLE
    for (let w = 0; w < 24; w++) {
        let o = row * 768 + 4 * w
        let a1 = 0
        let a2 = 0
        for (let j = 0; j < 8; j++) {
            const v = table.getAt(o, "i32")
            a1 |= masks1[j] & v
            a2 |= masks2[j] & v
            o += 96
        }
        words1[w] = a1
        words2[w] = a2
    }
}
