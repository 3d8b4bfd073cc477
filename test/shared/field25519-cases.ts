// The field GF(2^255 - 19) at its edges, written once and run in Node and inside the VM: the
// canonical encoding of values at and around p, loose limbs (negative, or over 2^16, as
// feAdd/feSub leave them) through multiplication, inversion and the square-root exponent, and the
// constant-time helpers. Values are checked by identities and by fixed encodings worked out by hand
// from p = 2^255 - 19, so the VM needs no big-integer reference.

import { Fe, feAdd, feCswap, feInvert, feIsZero, feMul, feNeg, fePack, feParity, fePow22523, feSmall, feSquare, feSub, feUnpack, feZero } from "../../src/crypto/field25519"
import { fromHex, toHex } from "../../src/bytes"
import type { CryptoCase } from "./crypto-cases"

/** p, p - 1, p + 1 and 2^255 - 1, little-endian. */
const P_HEX = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
const P_MINUS_1_HEX = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
const P_PLUS_1_HEX = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
const TWO_255_MINUS_1_HEX = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"

function le(n: number): string {
    const b = Buffer.alloc(32)
    b[0] = n & 0xff
    b[1] = (n >> 8) & 0xff
    return toHex(b)
}

function unpacked(hexLe: string): Fe {
    const o = feZero()
    feUnpack(o, fromHex(hexLe), 0)
    return o
}

function packed(a: Fe): string {
    const b = Buffer.alloc(32)
    fePack(b, 0, a)
    return toHex(b)
}

/** 1 when a = b (mod p), else 0. */
function equal(a: Fe, b: Fe): number {
    const d = feZero()
    feSub(d, a, b)
    return feIsZero(d)
}

function same(actual: string, expected: string, what: string): void {
    if (actual !== expected) throw new Error(what + ": got " + actual + " expected " + expected)
}

/** A deterministic element with every limb in use (not secret, not random). */
function sample(seed: number): Fe {
    const o = feZero()
    let x = seed
    for (let i = 0; i < 16; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff
        o[i] = x & 0xffff
    }
    o[15] &= 0x7fff
    return o
}

export function field25519Cases(): CryptoCase[] {
    const cases: CryptoCase[] = []
    const add = (name: string, run: CryptoCase["run"]) => cases.push({ name: "GF(2^255-19) " + name, run })

    add("p, p + 1 and 2^255 - 1 encode canonically as 0, 1 and 18", () => {
        same(packed(unpacked(P_HEX)), le(0), "p")
        same(packed(unpacked(P_PLUS_1_HEX)), le(1), "p + 1")
        same(packed(unpacked(TWO_255_MINUS_1_HEX)), le(18), "2^255 - 1")
        same(packed(unpacked(P_MINUS_1_HEX)), P_MINUS_1_HEX, "p - 1 stays")
    })
    add("unpack ignores the top bit", () => {
        const b = fromHex(P_MINUS_1_HEX)
        b[31] |= 0x80
        same(packed(unpacked(toHex(b))), P_MINUS_1_HEX, "top bit")
    })
    add("0 - 1 is p - 1, and (p - 1)^2 = 1", () => {
        const m = feZero()
        feSub(m, feZero(), feSmall(1))
        same(packed(m), P_MINUS_1_HEX, "0 - 1")
        feSquare(m, m)
        same(packed(m), le(1), "(-1)^2")
    })
    add("loose limbs: sums and differences of eight elements multiply exactly", () => {
        const a = sample(1)
        const b = sample(2)
        // eight elements summed (limbs up to 2^19), and their negation (negative limbs)
        const big = feZero()
        for (let i = 0; i < 8; i++) feAdd(big, big, a)
        const neg = feZero()
        feNeg(neg, big)
        const r1 = feZero()
        const r2 = feZero()
        feMul(r1, big, b)
        feMul(r2, a, b)
        const ab = feZero()
        feAdd(ab, r2, r2)
        feAdd(ab, ab, ab)
        feAdd(r2, ab, ab) // 8ab
        same(packed(r1), packed(r2), "8a * b")
        feMul(r1, neg, neg)
        feSquare(r2, big)
        same(packed(r1), packed(r2), "(-8a)^2")
    })
    add("multiplication commutes and distributes; squaring matches multiplication", () => {
        const a = sample(3)
        const b = sample(4)
        const c = sample(5)
        const l = feZero()
        const r = feZero()
        const t = feZero()
        feMul(l, a, b)
        feMul(r, b, a)
        same(packed(l), packed(r), "ab = ba")
        feAdd(t, b, c)
        feMul(l, a, t)
        feMul(r, a, b)
        feMul(t, a, c)
        feAdd(r, r, t)
        same(packed(l), packed(r), "a(b + c) = ab + ac")
        feSquare(l, a)
        feMul(r, a, a)
        same(packed(l), packed(r), "a^2 = aa")
    })
    add("inversion: a * (1/a) = 1, and 1/0 = 0", async (env) => {
        const a = sample(6)
        const inv = feZero()
        await feInvert(inv, a, env.yieldSlice)
        feMul(inv, inv, a)
        same(packed(inv), le(1), "a/a")
        await feInvert(inv, feZero(), env.yieldSlice)
        same(packed(inv), le(0), "1/0")
    })
    add("square roots: x = a^((p+3)/8) squares to a or -a (RFC 8032 5.1.3)", async (env) => {
        // a = s^2 is a square; its root candidate a * a^((p-5)/8) squares to +-a.
        const s = sample(7)
        const a = feZero()
        feSquare(a, s)
        const x = feZero()
        await fePow22523(x, a, env.yieldSlice)
        feMul(x, x, a)
        const x2 = feZero()
        feSquare(x2, x)
        const minus = feZero()
        feNeg(minus, a)
        if (equal(x2, a) === 0 && equal(x2, minus) === 0) throw new Error("x^2 is neither a nor -a")
    })
    add("isZero and parity read the canonical value", () => {
        if (feIsZero(unpacked(P_HEX)) !== 1) throw new Error("p is zero")
        if (feIsZero(feSmall(1)) !== 0) throw new Error("1 is not zero")
        if (equal(unpacked(P_PLUS_1_HEX), feSmall(1)) !== 1) throw new Error("p + 1 = 1")
        if (feParity(unpacked(P_PLUS_1_HEX)) !== 1) throw new Error("parity of p + 1 is that of 1")
        if (feParity(unpacked(P_MINUS_1_HEX)) !== 0) throw new Error("p - 1 is even")
    })
    add("cswap swaps by the bit alone", () => {
        const a = sample(8)
        const b = sample(9)
        const ha = packed(a)
        const hb = packed(b)
        feCswap(a, b, 0)
        same(packed(a), ha, "cswap 0")
        feCswap(a, b, 1)
        same(packed(a), hb, "cswap 1 a")
        same(packed(b), ha, "cswap 1 b")
    })
    return cases
}
