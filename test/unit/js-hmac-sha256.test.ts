// The Node-side HMAC-SHA-256 (sim/crypto/js-hmac-sha256.ts) against node:crypto and @noble/hashes:
// random keys of every length class (empty, short, one block, longer than a block), messages cut
// into random parts, the pad-state cache hit by reusing a key Buffer, and a key Buffer rewritten in
// place (the cache must notice). RFC 4231 runs through crypto-vectors.test.ts (nodeHmacSha256).

import { describe, expect, test } from "vitest"
import { createHash, createHmac, randomBytes, randomInt } from "node:crypto"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { jsHmacSha256, jsSha256 } from "../../sim/crypto/js-hmac-sha256"

function cut(m: Buffer): Buffer[] {
    const parts: Buffer[] = []
    let o = 0
    while (o < m.length) {
        const n = randomInt(0, Math.min(150, m.length - o) + 1)
        parts.push(m.subarray(o, o + n))
        o += n
        if (n === 0 && randomInt(0, 4) === 0) parts.push(Buffer.alloc(0))
    }
    return parts
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("JavaScript HMAC-SHA-256", () => {
    test("2,000 random keys and messages, in random parts: same as node:crypto and @noble/hashes", () => {
        for (let i = 0; i < 2000; i++) {
            const key = randomBytes([0, 1, 16, 32, 63, 64, 65, 131][i % 8] + (i % 3))
            const msg = randomBytes(randomInt(0, 600))
            const ours = hex(jsHmacSha256(key, cut(msg)))
            expect(ours).toBe(createHmac("sha256", key).update(msg).digest("hex"))
            expect(ours).toBe(hex(hmac(sha256, key, msg)))
        }
    })

    test("a key Buffer used again hits the cache and still MACs right; rewritten in place, it is noticed", () => {
        const key = randomBytes(32)
        for (let i = 0; i < 200; i++) {
            const msg = randomBytes(randomInt(0, 300))
            expect(hex(jsHmacSha256(key, [msg]))).toBe(createHmac("sha256", key).update(msg).digest("hex"))
            if (i % 50 === 49) randomBytes(32).copy(key)
        }
    })

    test("SHA-256 of random messages (padding at every length around the block boundary)", () => {
        for (let n = 0; n < 300; n++) {
            const msg = randomBytes(n)
            expect(hex(jsSha256(cut(msg)))).toBe(createHash("sha256").update(msg).digest("hex"))
        }
    })
})
