// GF(2^255 - 19) at its edges in Node (the same cases run inside the VM in
// test/vm/pubkey-vectors.test.ts), plus random products checked against BigInt arithmetic.

import { describe, expect, test } from "vitest"
import { field25519Cases } from "../shared/field25519-cases"
import { feAdd, feInvert, feMul, fePack, feSquare, feSub, feUnpack, feZero } from "../../src/crypto/field25519"
import { randomBytes } from "node:crypto"

const env = { hmacSha256: () => Buffer.alloc(32), yieldSlice: async () => {} }
const P = (1n << 255n) - 19n

const toBig = (b: Buffer) => BigInt("0x" + Buffer.from(b).reverse().toString("hex"))
const fromBig = (x: bigint) => Buffer.from(x.toString(16).padStart(64, "0"), "hex").reverse()

describe("GF(2^255 - 19) in Node", () => {
    for (const c of field25519Cases()) test(c.name, async () => c.run(env))

    test("products, squares, sums, differences and inverses of 500 random pairs match BigInt", async () => {
        for (let i = 0; i < 500; i++) {
            const ab = randomBytes(32)
            const bb = randomBytes(32)
            const a = feZero()
            const b = feZero()
            feUnpack(a, ab, 0)
            feUnpack(b, bb, 0)
            const x = toBig(ab) & ((1n << 255n) - 1n)
            const y = toBig(bb) & ((1n << 255n) - 1n)
            const out = Buffer.alloc(32)
            const r = feZero()
            // (a - b) * (a + b) exercises negative and oversized limbs in one product
            const s = feZero()
            const d = feZero()
            feAdd(s, a, b)
            feSub(d, a, b)
            feMul(r, d, s)
            fePack(out, 0, r)
            expect(toBig(out)).toBe((((x - y) * (x + y)) % P + P) % P)
            feSquare(r, d)
            fePack(out, 0, r)
            expect(toBig(out)).toBe(((x - y) * (x - y)) % P)
            await feInvert(r, a, env.yieldSlice)
            fePack(out, 0, r)
            expect(out.equals(fromBig(x % P === 0n ? 0n : modPow(x, P - 2n)))).toBe(true)
        }
    })
})

function modPow(b: bigint, e: bigint): bigint {
    let r = 1n
    b %= P
    while (e > 0n) {
        if (e & 1n) r = (r * b) % P
        b = (b * b) % P
        e >>= 1n
    }
    return r
}
