// MD5 / HMAC-MD5: the RFC 1321 and RFC 2202 vectors (the same cases run inside the DeviceScript VM
// in test/vm/radius.test.ts), and random inputs against node:crypto (a new seed each run;
// SEED=n repeats one).

import { describe, expect, test } from "vitest"
import { createHash, createHmac } from "node:crypto"
import { md5Cases } from "../shared/md5-cases"
import { MAX_SYNC_BYTES, Md5, md5, md5Parts, md5PartsAsync } from "../../src/crypto/md5"
import { hmacMd5, hmacMd5Async, hmacMd5Key, hmacMd5WithKey } from "../../src/crypto/hmac-md5"
import { xorshift } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const env = { yieldSlice: async () => {} }

describe("MD5 and HMAC-MD5 vectors in Node", () => {
    for (const c of md5Cases()) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})

describe(`MD5 and HMAC-MD5 = node:crypto on random inputs (seed ${seed})`, () => {
    const rnd = xorshift(seed)
    const lengths: number[] = []
    // Every length around the padding boundaries, then random ones up to 3 slices.
    for (let n = 0; n <= 200; n++) lengths.push(n)
    for (const n of [447, 448, 449, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049]) lengths.push(n)
    for (let i = 0; i < 800; i++) lengths.push(rnd.int(3 * MAX_SYNC_BYTES))

    test(`MD5 of ${lengths.length} messages (one-shot or async by size, and in random parts)`, async () => {
        for (const n of lengths) {
            const m = rnd.bytes(n)
            const want = createHash("md5").update(m).digest("hex")
            if (n <= MAX_SYNC_BYTES) {
                expect(md5(m).toString("hex"), `length ${n}`).toBe(want)
                const cut = rnd.int(n)
                expect(md5Parts([m.subarray(0, cut), m.subarray(cut)]).toString("hex"), `length ${n} cut at ${cut}`).toBe(want)
            } else {
                expect(() => md5(m)).toThrow(RangeError)
            }
            expect((await md5PartsAsync([m], env.yieldSlice)).toString("hex"), `async length ${n}`).toBe(want)
            // Arbitrary chunking through the incremental API.
            const h = new Md5()
            for (let o = 0; o < n; ) {
                const k = 1 + rnd.int(130)
                h.update(m.subarray(o, Math.min(n, o + k)))
                o += k
            }
            expect(h.digest().toString("hex"), `chunked length ${n}`).toBe(want)
        }
    })

    test("HMAC-MD5 of 600 random keys (0..200 bytes, long ones hashed first) and messages", async () => {
        for (let i = 0; i < 600; i++) {
            const key = rnd.bytes(rnd.int(200))
            const m = rnd.bytes(i < 300 ? rnd.int(MAX_SYNC_BYTES) : rnd.int(3 * MAX_SYNC_BYTES))
            const want = createHmac("md5", key).update(m).digest("hex")
            if (m.length <= MAX_SYNC_BYTES) {
                expect(hmacMd5(key, m).toString("hex"), `case ${i}`).toBe(want)
                const cut = rnd.int(m.length)
                expect(hmacMd5WithKey(hmacMd5Key(key), [m.subarray(0, cut), m.subarray(cut)]).toString("hex"), `parts case ${i}`).toBe(want)
            }
            expect((await hmacMd5Async(hmacMd5Key(key), [m], env.yieldSlice)).toString("hex"), `async case ${i}`).toBe(want)
        }
    })
})
