// SHA-512 in Node: the FIPS 180-2 / NIST CAVP vectors and the random @noble cases (the same cases
// run inside the DeviceScript VM in test/vm/pubkey-vectors.test.ts), the vectors themselves against
// node:crypto, one million "a" through updateAsync, and every length up to five blocks against
// node:crypto through every entry point (a new seed each run; SEED=n repeats one).

import { describe, expect, test } from "vitest"
import { createHash } from "node:crypto"
import { sha512Cases, sha512RandomCases } from "../shared/sha512-cases"
import { makePubkeyRandomCases } from "../support/pubkey-random-noble"
import { SHA512_VECTORS } from "../vectors/sha512"
import { MAX_SYNC_BYTES, SLICE_BYTES, Sha512, sha512, sha512Async } from "../../src/crypto/sha512"
import { nodeHmacSha256 } from "../../sim/node-platform"
import { xorshift } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }
const nodeSha512 = (m: Buffer) => createHash("sha512").update(m).digest("hex")

describe("SHA-512 vectors in Node", () => {
    for (const c of sha512Cases()) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
    test("the transcribed vectors are what node:crypto gives", () => {
        for (const v of SHA512_VECTORS) expect(nodeSha512(Buffer.from(v.message.repeat(v.repeat), "hex")), v.name).toBe(v.digest)
    })
})

describe(`SHA-512 = @noble/hashes on random messages in Node (seed ${seed})`, () => {
    for (const c of sha512RandomCases(makePubkeyRandomCases(seed))) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})

describe(`SHA-512 = node:crypto (seed ${seed})`, () => {
    test("one million 'a' in one buffer through Sha512.updateAsync, yielding every SLICE_BYTES", async () => {
        const m = Buffer.alloc(1_000_000, 0x61)
        let yields = 0
        const h = await new Sha512().updateAsync(m, async () => {
            yields++
        })
        expect(h.digest().toString("hex")).toBe(nodeSha512(m))
        expect(yields).toBe(Math.ceil(m.length / SLICE_BYTES))
    })

    test("every length from 0 to 640 bytes through sha512, random update parts and sha512Async", async () => {
        const rnd = xorshift(seed)
        for (let n = 0; n <= 640; n++) {
            const m = rnd.bytes(n)
            const want = nodeSha512(m)
            if (n <= MAX_SYNC_BYTES) {
                expect(sha512(m).toString("hex"), `sha512, length ${n}`).toBe(want)
            } else {
                expect(() => sha512(m), `sha512 refuses ${n} bytes`).toThrow(RangeError)
            }
            const h = new Sha512()
            for (let i = 0; i < n; ) {
                const step = 1 + rnd.int(Math.min(MAX_SYNC_BYTES, n - i) - 1)
                h.update(m.subarray(i, i + step))
                i += step
            }
            expect(h.digest().toString("hex"), `update in random parts, length ${n}`).toBe(want)
            expect((await sha512Async([m.subarray(0, n >> 1), m.subarray(n >> 1)], env.yieldSlice)).toString("hex"), `sha512Async, length ${n}`).toBe(want)
        }
    })

    test("update keeps what it buffers: changing the caller.s buffer afterwards does not change the digest", () => {
        const m = Buffer.from("abc")
        const h = new Sha512().update(m)
        m.fill(0)
        expect(h.digest().toString("hex")).toBe(SHA512_VECTORS[0].digest)
    })
})
