// Ed25519 (RFC 8032) through the portable crypto core in Node: the RFC 8032 7.1 vectors, the
// signatures strict verification refuses, and random seeds and messages checked against
// @noble/curves (plus tampered copies that must not verify).
// The same cases run inside the DeviceScript VM in test/vm/pubkey-vectors.test.ts.

import { describe, expect, test } from "vitest"
import { ed25519Cases, ed25519RandomCases } from "../shared/ed25519-cases"
import { makeEd25519RandomCases } from "../support/pubkey-random-noble"
import { nodeHmacSha256 } from "../../sim/node-platform"

const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }
const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)

describe("Ed25519 in Node", () => {
    const cases = ed25519Cases().concat(ed25519RandomCases(makeEd25519RandomCases(seed, { signatures: 50, tampered: 50, maxMessage: 300 })))
    for (const c of cases) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})
