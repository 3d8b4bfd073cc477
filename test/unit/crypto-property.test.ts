// Random inputs, fresh each run, through the portable core in Node against @noble.

import { describe, expect, test } from "vitest"
import { randomCases } from "../shared/random-cases"
import { makeRandomCases } from "../support/random-cases-noble"
import { nodeHmacSha256 } from "../../sim/node-platform"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }

describe(`crypto core = @noble on random inputs (seed ${seed})`, () => {
    for (const c of randomCases(makeRandomCases(seed, { aes: 2000, cbc: 300, hashes: 1000, maxMessage: 5000 }))) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})
