// The unrolled field multiplication, squaring and small-constant multiplication
// (src/crypto/field25519-unrolled.ts) against BigInt arithmetic mod p = 2^255 - 19, in Node, on
// random reduced elements, on loose ones (sums and differences of up to eight reduced elements, as
// the ladder feeds them) and on limbs at the contract's edges: every limb at +-8 (2^16 + 8), -1 or
// 2^16 + 8. Each output is checked for its value mod p and for the limb bounds [-1, 2^16 + 8]. The
// ladder that uses them runs inside the VM in test/vm/pubkey-vectors.test.ts.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { Fe, feAdd, feSub, feUnpack, feZero } from "../../src/crypto/field25519"
import { feMulSmall, feMulUnrolled, feSquareUnrolled } from "../../src/crypto/field25519-unrolled"

const P = (1n << 255n) - 19n
const LIMB_MAX = 65536 + 8 // the largest limb of a reduced element (the contract's output bound)
const LOOSE = 8 * LIMB_MAX // the largest limb magnitude of a sum or difference of eight of them
const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)

const mod = (x: bigint) => ((x % P) + P) % P

/** The value of a (loose) element: sum of limb i times 2^(16 i), limbs may be negative. */
function value(a: Fe): bigint {
    let v = 0n
    for (let i = 15; i >= 0; i--) {
        if (!Number.isSafeInteger(a[i])) throw new Error(`limb ${i} is not an exact integer: ${a[i]}`)
        v = (v << 16n) + BigInt(a[i])
    }
    return v
}

function expectReducedLimbs(o: Fe, what: string): void {
    for (let i = 0; i < 16; i++) {
        if (!Number.isInteger(o[i]) || o[i] < -1 || o[i] > LIMB_MAX) throw new Error(`${what}: limb ${i} = ${o[i]} outside [-1, 2^16 + 8]`)
    }
}

/** A small deterministic generator (xorshift32), so a failure reproduces with SEED. */
function rng(s: number): () => number {
    let x = s | 1
    return () => {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        return (x >>> 0) / 4294967296
    }
}
const rand = rng(seed)

function randomReduced(): Fe {
    const o = feZero()
    feUnpack(o, randomBytes(32), 0)
    return o
}

/** +-e1 +- ... +- en of n random reduced elements (n <= 8), without carries, as feAdd/feSub leave it. */
function randomLoose(n: number): Fe {
    const o = feZero()
    for (let i = 0; i < n; i++) {
        if (rand() < 0.5) feAdd(o, o, randomReduced())
        else feSub(o, o, randomReduced())
    }
    return o
}

/** Limbs drawn from the edges of the contract: +-8 (2^16 + 8), 0, -1, 2^16 + 8, 2^16 - 1. */
function extreme(pick: (i: number) => number): Fe {
    const o = feZero()
    for (let i = 0; i < 16; i++) o[i] = pick(i)
    return o
}
const EDGES = [LOOSE, -LOOSE, 0, -1, LIMB_MAX, 65535, -8, -LIMB_MAX]

function edgeInputs(): Fe[] {
    const xs: Fe[] = [
        extreme(() => LOOSE),
        extreme(() => -LOOSE),
        extreme((i) => (i & 1 ? LOOSE : -LOOSE)),
        extreme((i) => (i & 1 ? -LOOSE : LOOSE)),
        extreme(() => LIMB_MAX),
        extreme(() => -1),
        extreme((i) => (i === 15 ? LOOSE : 0)),
        extreme((i) => (i === 0 ? -LOOSE : 0)),
        feZero(),
    ]
    for (let n = 0; n < 40; n++) xs.push(extreme(() => EDGES[Math.floor(rand() * EDGES.length)]))
    return xs
}

function checkMul(a: Fe, b: Fe): void {
    const expected = mod(value(a) * value(b))
    const o = feZero()
    feMulUnrolled(o, a, b)
    expectReducedLimbs(o, "feMulUnrolled")
    expect(mod(value(o))).toBe(expected)
    // o may be a or b
    const a2 = a.slice()
    feMulUnrolled(a2, a2, b)
    expect(a2).toEqual(o)
    const b2 = b.slice()
    feMulUnrolled(b2, a, b2)
    expect(b2).toEqual(o)
}

function checkSquare(a: Fe): void {
    const expected = mod(value(a) * value(a))
    const o = feZero()
    feSquareUnrolled(o, a)
    expectReducedLimbs(o, "feSquareUnrolled")
    expect(mod(value(o))).toBe(expected)
    const a2 = a.slice()
    feSquareUnrolled(a2, a2)
    expect(a2).toEqual(o)
    // the same limbs as the general multiplication's
    const m = feZero()
    feMulUnrolled(m, a, a)
    expect(o).toEqual(m)
}

function checkSmall(a: Fe, k: number): void {
    const expected = mod(value(a) * BigInt(k))
    const o = feZero()
    feMulSmall(o, a, k)
    expectReducedLimbs(o, `feMulSmall(k = ${k})`)
    expect(mod(value(o))).toBe(expected)
    const a2 = a.slice()
    feMulSmall(a2, a2, k)
    expect(a2).toEqual(o)
}

const SMALL_KS = [121665, 0, 1, 2, 38, 65535, 65536, 131071]

describe(`unrolled GF(2^255 - 19) arithmetic against BigInt (seed ${seed})`, () => {
    test("products, squares and a24 multiples of 300 random reduced pairs", () => {
        for (let i = 0; i < 300; i++) {
            const a = randomReduced()
            const b = randomReduced()
            checkMul(a, b)
            checkSquare(a)
            checkSmall(a, 121665)
        }
    })

    test("loose inputs: sums and differences of up to eight reduced elements", () => {
        for (let i = 0; i < 300; i++) {
            const a = randomLoose(1 + Math.floor(rand() * 8))
            const b = randomLoose(1 + Math.floor(rand() * 8))
            checkMul(a, b)
            checkSquare(a)
            checkSmall(a, SMALL_KS[i % SMALL_KS.length])
        }
    })

    test("limbs at the contract's edges: +-8 (2^16 + 8), -1, 2^16 + 8, negative", () => {
        const xs = edgeInputs()
        for (const a of xs) {
            checkSquare(a)
            for (const k of SMALL_KS) checkSmall(a, k)
            for (const b of xs) checkMul(a, b)
        }
    })

    test("outputs chain: ladder-shaped sequences stay within bounds and exact", () => {
        // z2 = E (AA + a24 E) with E = AA - BB, repeated on its own outputs
        let x = randomReduced()
        let z = randomReduced()
        let xv = value(x)
        let zv = value(z)
        const t = feZero()
        const aa = feZero()
        const bb = feZero()
        const e = feZero()
        for (let i = 0; i < 200; i++) {
            feAdd(t, x, z)
            feSquareUnrolled(aa, t)
            feSub(t, x, z)
            feSquareUnrolled(bb, t)
            feSub(e, aa, bb)
            const nx = feZero()
            feMulUnrolled(nx, aa, bb)
            const nz = feZero()
            feMulSmall(nz, e, 121665)
            feAdd(nz, nz, aa)
            feMulUnrolled(nz, nz, e)
            const av = mod((xv + zv) * (xv + zv))
            const bv = mod((xv - zv) * (xv - zv))
            const ev = av - bv
            xv = mod(av * bv)
            zv = mod(ev * (av + 121665n * ev))
            expectReducedLimbs(nx, "x")
            expectReducedLimbs(nz, "z")
            expect(mod(value(nx))).toBe(xv)
            expect(mod(value(nz))).toBe(zv)
            x = nx
            z = nz
        }
    })
})
