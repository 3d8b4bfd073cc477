// X25519 (RFC 7748) through the portable crypto core in Node: the RFC vectors with the iterated
// test to 1,000 iterations, the input checks, and random inputs checked against @noble/curves.
// The same cases run inside the DeviceScript VM in test/vm/pubkey-vectors.test.ts.
// The RFC's 1,000,000-iteration value takes about 10 minutes here: it runs with SLOW=1 only.

import { describe, expect, test } from "vitest"
import { x25519Cases, x25519IteratedCase, x25519RandomCases } from "../shared/x25519-cases"
import { makeX25519RandomCases } from "../support/pubkey-random-noble"
import { nodeHmacSha256 } from "../../sim/node-platform"

const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }
const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)

describe("X25519 in Node", () => {
    for (const c of x25519Cases({ iterations: 1000 })) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
    for (const c of x25519RandomCases(makeX25519RandomCases(seed, { shared: 50, publicKeys: 50 }))) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
    const million = x25519IteratedCase(1000000)
    if (process.env.SLOW === "1") {
        test(million.name, async () => {
            await expect(Promise.resolve().then(() => million.run(env))).resolves.toBeUndefined()
        }, 4 * 3600_000)
    } else {
        test.skip(million.name + " (slow, about 10 minutes: set SLOW=1 to run it)", () => {})
    }
})
