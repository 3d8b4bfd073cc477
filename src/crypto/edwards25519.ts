// The group edwards25519 (RFC 8032 section 5.1): -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19),
// in extended coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z, xy = T/Z (Hisil, Wong, Carter, Dawson
// 2008, the formulas RFC 8032 5.1.4 gives). Ed25519 and the fixed-base half of X25519 use it.
//
// Fixed-base multiplication [k]B is the one a card does with secrets (its signing key, the
// signature nonce, its X25519 key): k is recoded into 64 signed radix-16 digits in [-8, 8]
// (ref10's ge_scalarmult_base), and the table in flash holds 1..8 times 16^(PASSES q) B
// (edwards25519-base-table.ts). The digits are added in PASSES passes with four doublings
// between passes: with four passes, 64 mixed additions and 12 doublings.
//
// Constant time in the fixed-base multiplications: every digit reads all eight entries of its
// row, word by word, and keeps the one it needs by an arithmetic mask (no table index from the
// secret), negates by a masked swap, and adds the identity for a zero digit, so the same
// operations run for every k. The variable-base multiplication (edDoubleScalarMultVartime) is for
// verification, where the scalars are public: it branches and indexes on them.
//
// Slices (VM steps, estimated from a step-limit probe of the field multiplication, 2.5K): a
// mixed addition about 20K, a doubling 22K, a table scan 8.7K (9.6K for two digits). The
// fixed-base loop yields every two digits (about 60K steps) or, with two scalars, every digit
// (48K); between doublings; and in the variable-base loop before every window (at most three
// doublings and an addition, 88K) and every four lone doublings: no slice goes past about 90K of
// the 128K steps.

import { hex } from "../bytes"
import {
    Fe,
    feAdd,
    feCopy,
    feInvert,
    feIsZero,
    feMul,
    feNeg,
    fePack,
    feParity,
    fePow22523,
    feSmall,
    feSquare,
    feSub,
    feUnpack,
    feZero,
} from "./field25519"
import { BASE_TABLE, BASE_TABLE_PASSES } from "./edwards25519-base-table"

/** d = -121665/121666, 2d and sqrt(-1) mod p, little-endian (RFC 8032 5.1). */
const D_BYTES = hex`a3785913ca4deb75abd841414d0a700098e879777940c78c73fe6f2bee6c0352`
const D2_BYTES = hex`59f1b226949bd6eb56b183829a14e00030d1f3eef2808e19e7fcdf56dcd90624`
const SQRT_M1_BYTES = hex`b0a00e4a271beec478e42fad0618432fa7d7fb3d99004d2b0bdfc14f8024832b`

/** Bytes of one table entry: y+x, y-x and 2dxy of an affine point, 32 bytes each. */
const ENTRY_BYTES = 96
/** Bytes of one packed cached point (packCached). */
const CACHED_BYTES = 128
/**
 * Point operations (about 22K VM steps each) in one slice of the variable-base loop: four lone
 * doublings, or one window (at most three doublings and an addition), which starts a slice.
 */
const OPS_PER_SLICE = 4

function feFromBytes(b: Buffer): Fe {
    const o = feZero()
    feUnpack(o, b, 0)
    return o
}

/** A point in extended coordinates. */
export class EdPoint {
    x: Fe = feZero()
    y: Fe = feSmall(1)
    z: Fe = feSmall(1)
    t: Fe = feZero()
}

/** A point prepared for repeated addition: Y+X, Y-X, 2Z and 2dT. */
class EdCached {
    ypx: Fe = feZero()
    ymx: Fe = feZero()
    z2: Fe = feZero()
    t2d: Fe = feZero()
}

/**
 * The five temporaries of the point formulas, allocated once per top-level operation (not per
 * addition: the VM's heap is small and its collector slow) and never held across a yield.
 */
class EdScratch {
    a: Fe = feZero()
    b: Fe = feZero()
    c: Fe = feZero()
    d: Fe = feZero()
    e: Fe = feZero()
}

/**
 * The common tail of the additions: from A, B, C, D in the scratch, E = B - A, F = D - C,
 * G = D + C, H = B + A and r = (E F : G H : F G : E H). r may be an input point.
 */
function finishAdd(r: EdPoint, s: EdScratch): void {
    feSub(s.e, s.b, s.a) // E
    feAdd(s.b, s.b, s.a) // H
    feSub(s.a, s.d, s.c) // F
    feAdd(s.d, s.d, s.c) // G
    feMul(r.x, s.e, s.a)
    feMul(r.y, s.d, s.b)
    feMul(r.z, s.a, s.d)
    feMul(r.t, s.e, s.b)
}

/**
 * r = 2p (dbl-2008-hwcd for a = -1, with E, F, G, H all negated so that no negation is needed:
 * the point (X:Y:Z:T) is the same up to the factor -1). 4 squarings and 3 multiplications, and a
 * fourth for T when `withT` (a doubling followed by another doubling does not read T). r may be p.
 */
function edDouble(r: EdPoint, p: EdPoint, s: EdScratch, withT: boolean): void {
    feSquare(s.a, p.x) // A = X^2
    feSquare(s.b, p.y) // B = Y^2
    feSquare(s.c, p.z)
    feAdd(s.c, s.c, s.c) // C = 2 Z^2
    feAdd(s.d, p.x, p.y)
    feSquare(s.d, s.d)
    feSub(s.d, s.d, s.a)
    feSub(s.d, s.d, s.b) // E = (X + Y)^2 - A - B = 2XY
    feSub(s.e, s.b, s.a) // G = B - A
    feAdd(s.b, s.a, s.b) // H = A + B
    feSub(s.c, s.c, s.e) // F = C - G
    feMul(r.x, s.d, s.c)
    feMul(r.y, s.e, s.b)
    feMul(r.z, s.c, s.e)
    if (withT) feMul(r.t, s.d, s.b)
}

/** r = 16r: four doublings, T computed by the last only. */
function edTimes16(r: EdPoint, s: EdScratch): void {
    for (let i = 0; i < 4; i++) edDouble(r, r, s, i === 3)
}

/** r = p + q for a cached q (add-2008-hwcd-3: 8 multiplications). r may be p. */
function edAddCached(r: EdPoint, p: EdPoint, q: EdCached, s: EdScratch): void {
    feSub(s.a, p.y, p.x)
    feMul(s.a, s.a, q.ymx) // A = (Y1 - X1)(Y2 - X2)
    feAdd(s.b, p.y, p.x)
    feMul(s.b, s.b, q.ypx) // B = (Y1 + X1)(Y2 + X2)
    feMul(s.c, p.t, q.t2d) // C = T1 2d T2
    feMul(s.d, p.z, q.z2) // D = Z1 2 Z2
    finishAdd(r, s)
}

function edToCached(c: EdCached, p: EdPoint, d2: Fe): void {
    feAdd(c.ypx, p.y, p.x)
    feSub(c.ymx, p.y, p.x)
    feAdd(c.z2, p.z, p.z)
    feMul(c.t2d, p.t, d2)
}

/** r += the selected table entry, an affine point as y+x, y-x, 2dxy (7 multiplications). */
function edAddEntry(r: EdPoint, e: BaseEntry, s: EdScratch): void {
    feSub(s.a, r.y, r.x)
    feMul(s.a, s.a, e.ymx)
    feAdd(s.b, r.y, r.x)
    feMul(s.b, s.b, e.ypx)
    feMul(s.c, r.t, e.xy2d)
    feAdd(s.d, r.z, r.z)
    finishAdd(r, s)
}

/**
 * k (32 bytes, little-endian, k < 2^255) as 64 signed digits e[i] in [-8, 8] with
 * k = sum e[i] 16^i, stored plus 8 in a Buffer (64 bytes of heap, not 64 array slots). Arithmetic
 * only: the carries are computed, not branched on.
 */
function signedRadix16(k: Buffer): Buffer {
    const e = Buffer.alloc(64)
    let carry = 0
    for (let i = 0; i < 64; i++) {
        let digit = ((k[i >> 1] >> ((i & 1) << 2)) & 15) + carry
        if (i < 63) {
            carry = (digit + 8) >> 4
            digit -= carry << 4
        }
        e[i] = digit + 8
    }
    return e
}

/** The table entry one digit selects: its words as read, and the operands of the affine addition. */
class BaseEntry {
    /** All ones for the entry (1..8) the digit's magnitude selects, zero for the seven others. */
    masks: number[] = [0, 0, 0, 0, 0, 0, 0, 0]
    words: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    ypx: Fe = feZero()
    ymx: Fe = feZero()
    xy2d: Fe = feZero()
}

/** |digit| for a digit in [-8, 8], without a branch. */
function magnitudeOf(digit: number): number {
    return digit - ((-((digit >> 8) & 1) & digit) << 1)
}

/**
 * Turns the words read for a digit into the addition's operands: digit 0 read nothing, and gets
 * the identity's y+x = y-x = 1 added by its zero bit; a negative digit swaps y+x with y-x under a
 * mask and multiplies 2dxy by -1. No branch depends on the digit.
 */
function finishEntry(e: BaseEntry, digit: number): void {
    const words = e.words
    const negative = (digit >> 8) & 1
    const isZero = ((magnitudeOf(digit) - 1) >> 8) & 1
    words[0] += isZero
    words[8] += isZero
    const swapMask = -negative
    const sign = 1 - 2 * negative
    for (let i = 0; i < 8; i++) {
        let a = words[i]
        let b = words[i + 8]
        const c = words[i + 16]
        const swap = swapMask & (a ^ b)
        a ^= swap
        b ^= swap
        e.ypx[2 * i] = a & 0xffff
        e.ypx[2 * i + 1] = a >>> 16
        e.ymx[2 * i] = b & 0xffff
        e.ymx[2 * i + 1] = b >>> 16
        e.xy2d[2 * i] = sign * (c & 0xffff)
        e.xy2d[2 * i + 1] = sign * (c >>> 16)
    }
}

/**
 * Selects |digit| * 16^(PASSES row) B for two digits from one row of the table (one digit when
 * e2 is e1: the same words are kept twice, finished once). Word by word, all eight entries of
 * the row are read and OR-ed in under each digit's masks, so the reads do not depend on the
 * digits. getAt reads a word in one VM step (four byte reads take six times the time).
 */
function selectBase(e1: BaseEntry, digit1: number, e2: BaseEntry, digit2: number, row: number): void {
    const table = BASE_TABLE
    const m1 = magnitudeOf(digit1)
    const m2 = magnitudeOf(digit2)
    const k1 = e1.masks
    const k2 = e2.masks
    for (let j = 0; j < 8; j++) {
        // -1 where the magnitude is j + 1, else 0, with no comparison.
        k1[j] = -((((m1 ^ (j + 1)) - 1) >> 8) & 1)
        k2[j] = -((((m2 ^ (j + 1)) - 1) >> 8) & 1)
    }
    const rowStart = row * 8 * ENTRY_BYTES
    for (let w = 0; w < 24; w++) {
        let o = rowStart + 4 * w
        let a1 = 0
        let a2 = 0
        for (let j = 0; j < 8; j++) {
            const v = table.getAt(o, "i32")
            a1 |= k1[j] & v
            a2 |= k2[j] & v
            o += ENTRY_BYTES
        }
        e1.words[w] = a1
        e2.words[w] = a2
    }
    finishEntry(e1, digit1)
    if (e2 !== e1) finishEntry(e2, digit2)
}

/**
 * [k1]B, and [k2]B when k2 is given, for secret 32-byte little-endian scalars below 2^255, in
 * constant time. Two scalars share the reads of the table (a signature needs both the public key
 * and the nonce point): about 0.7 of the steps of two separate multiplications.
 */
async function multiplyBase(k1: Buffer, k2: Buffer | null, s: EdScratch, yieldSlice: () => Promise<void>): Promise<EdPoint[]> {
    const both = k2 !== null
    const d1 = signedRadix16(k1)
    const d2 = k2 === null ? d1 : signedRadix16(k2)
    const r1 = new EdPoint()
    const r2 = both ? new EdPoint() : r1
    const e1 = new BaseEntry()
    const e2 = both ? new BaseEntry() : e1
    for (let pass = BASE_TABLE_PASSES - 1; pass >= 0; pass--) {
        for (let row = 0; row < 64 / BASE_TABLE_PASSES; row++) {
            if (both || (row & 1) === 0) await yieldSlice()
            const i = row * BASE_TABLE_PASSES + pass
            selectBase(e1, d1[i] - 8, e2, d2[i] - 8, row)
            edAddEntry(r1, e1, s)
            if (both) edAddEntry(r2, e2, s)
        }
        if (pass > 0) {
            await yieldSlice()
            edTimes16(r1, s)
            if (both) {
                await yieldSlice()
                edTimes16(r2, s)
            }
        }
    }
    return both ? [r1, r2] : [r1]
}

/**
 * [k1]B, and [k2]B too when k2 is given (one pass over the table), for secret 32-byte
 * little-endian scalars below 2^255, in constant time: one point or two.
 */
export async function edScalarMultBase(k1: Buffer, k2: Buffer | null, yieldSlice: () => Promise<void>): Promise<EdPoint[]> {
    return await multiplyBase(k1, k2, new EdScratch(), yieldSlice)
}

/** The 32-byte encoding of p (RFC 8032 5.1.2) given 1/Z. */
function encodeWithInverse(out: Buffer, p: EdPoint, zInverse: Fe): void {
    const x = feZero()
    const y = feZero()
    feMul(x, p.x, zInverse)
    feMul(y, p.y, zInverse)
    fePack(out, 0, y)
    out[31] |= feParity(x) << 7
}

/** The encodings of p and q (p twice for one) with one inversion (Montgomery's trick: 1/Zp = Zq / (Zp Zq)). */
export async function edEncodeTwo(p: EdPoint, q: EdPoint, yieldSlice: () => Promise<void>): Promise<Buffer[]> {
    const both = feZero()
    feMul(both, p.z, q.z)
    await feInvert(both, both, yieldSlice)
    const pInverse = feZero()
    const qInverse = feZero()
    feMul(pInverse, both, q.z)
    feMul(qInverse, both, p.z)
    const a = Buffer.alloc(32)
    const b = Buffer.alloc(32)
    encodeWithInverse(a, p, pInverse)
    encodeWithInverse(b, q, qInverse)
    return [a, b]
}

/** The Montgomery u-coordinate (1 + y)/(1 - y) = (Z + Y)/(Z - Y) of p, encoded (RFC 7748 4.1). */
export async function edToMontgomeryU(p: EdPoint, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const num = feZero()
    const den = feZero()
    feAdd(num, p.z, p.y)
    feSub(den, p.z, p.y)
    await feInvert(den, den, yieldSlice)
    feMul(num, num, den)
    const out = Buffer.alloc(32)
    fePack(out, 0, num)
    return out
}

/**
 * Decodes a point strictly (RFC 8032 5.1.3): null when y >= p, when x^2 = (y^2 - 1)/(d y^2 + 1)
 * has no root, or when x = 0 with the sign bit set. Variable time: encodings are public.
 */
export async function edDecode(b: Buffer, yieldSlice: () => Promise<void>): Promise<EdPoint | null> {
    if (b.length !== 32) return null
    const p = new EdPoint()
    const y = p.y
    const x = p.x
    feUnpack(y, b, 0)
    const canonical = Buffer.alloc(32)
    fePack(canonical, 0, y)
    canonical[31] |= b[31] & 0x80
    for (let i = 0; i < 32; i++) if (canonical[i] !== b[i]) return null
    const sign = b[31] >> 7
    const u = feZero()
    const v = feZero()
    const v3 = feZero()
    feSquare(u, y)
    feMul(v, u, feFromBytes(D_BYTES))
    u[0] -= 1 // u = y^2 - 1
    v[0] += 1 // v = d y^2 + 1
    // x = u v^3 (u v^7)^((p - 5)/8)
    feSquare(v3, v)
    feMul(v3, v3, v)
    feSquare(x, v3)
    feMul(x, x, v)
    feMul(x, x, u) // u v^7
    await fePow22523(x, x, yieldSlice)
    feMul(x, x, v3)
    feMul(x, x, u)
    // v x^2 must be u (x is the root) or -u (x sqrt(-1) is); v3 and v hold the two tests.
    feSquare(v3, x)
    feMul(v3, v3, v)
    feAdd(v, v3, u)
    feSub(v3, v3, u)
    if (feIsZero(v3) === 0) {
        if (feIsZero(v) === 0) return null
        feMul(x, x, feFromBytes(SQRT_M1_BYTES))
    }
    if (feIsZero(x) === 1 && sign === 1) return null
    if (feParity(x) !== sign) feNeg(x, x)
    feMul(p.t, x, y)
    return p
}

/** Bit i of the little-endian scalar k. */
function bitOf(k: Buffer, i: number): number {
    return (k[i >> 3] >> (i & 7)) & 1
}

/** Writes a cached point as its four coordinates, 32 bytes each (CACHED_BYTES). */
function packCached(out: Buffer, off: number, c: EdCached): void {
    fePack(out, off, c.ypx)
    fePack(out, off + 32, c.ymx)
    fePack(out, off + 64, c.z2)
    fePack(out, off + 96, c.t2d)
}

function unpackCached(c: EdCached, b: Buffer, off: number): void {
    feUnpack(c.ypx, b, off)
    feUnpack(c.ymx, b, off + 32)
    feUnpack(c.z2, b, off + 64)
    feUnpack(c.t2d, b, off + 96)
}

/**
 * P, 3P, 5P and 7P cached for addition and packed into 512 bytes of one buffer: as four cached
 * points of field-element arrays they would hold about 2.6 KB of the VM's heap through the whole
 * multiplication. Unpacking one before each addition costs about 5% of the addition's steps.
 * P itself is not kept: the caller's point dies after this. A point and its packing take about
 * 30K VM steps: it yields before each.
 */
export async function edOddMultiples(p: EdPoint, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const s = new EdScratch()
    const d2 = feFromBytes(D2_BYTES)
    const c = new EdCached()
    const twice = new EdCached()
    const acc = new EdPoint()
    edDouble(acc, p, s, true)
    edToCached(twice, acc, d2)
    const out = Buffer.alloc(4 * CACHED_BYTES)
    edToCached(c, p, d2)
    packCached(out, 0, c)
    for (let m = 1; m < 4; m++) {
        await yieldSlice()
        edAddCached(acc, m === 1 ? p : acc, twice, s) // (2m + 1) P
        edToCached(c, acc, d2)
        packCached(out, m * CACHED_BYTES, c)
    }
    return out
}

/**
 * [k]P for a public scalar k < 2^255, left to right with a sliding window of up to three bits
 * over the odd multiples P, 3P, 5P, 7P (edOddMultiples; a radix-16 table of eight would hold
 * twice the bytes): 255 doublings and about 64 additions.
 */
async function edScalarMultVartime(k: Buffer, odd: Buffer, s: EdScratch, yieldSlice: () => Promise<void>): Promise<EdPoint> {
    const r = new EdPoint()
    const c = new EdCached()
    let ops = 0 // point operations since the last yield
    let i = 254
    while (i >= 0) {
        const bit = bitOf(k, i)
        if (ops >= OPS_PER_SLICE || (bit === 1 && ops > 0)) {
            await yieldSlice()
            ops = 0
        }
        if (bit === 0) {
            edDouble(r, r, s, i === 0) // the caller adds to the result: its T must be current
            ops++
            i--
            continue
        }
        let j = i >= 2 ? i - 2 : 0
        while (bitOf(k, j) === 0) j++
        let value = 0
        for (let b = i; b >= j; b--) {
            value = (value << 1) | bitOf(k, b)
            edDouble(r, r, s, b === j)
        }
        unpackCached(c, odd, (value >> 1) * CACHED_BYTES)
        edAddCached(r, r, c, s)
        ops += i - j + 2
        i = j - 1
    }
    return r
}

/** [a]B + [b]P for public scalars a, b (32 bytes each, < 2^255), P given by edOddMultiples: verification's combination. */
export async function edDoubleScalarMultVartime(a: Buffer, b: Buffer, oddMultiplesOfP: Buffer, yieldSlice: () => Promise<void>): Promise<EdPoint> {
    const s = new EdScratch()
    await yieldSlice()
    const r = await edScalarMultVartime(b, oddMultiplesOfP, s, yieldSlice)
    await yieldSlice()
    const aB = (await multiplyBase(a, null, s, yieldSlice))[0]
    const c = new EdCached()
    edToCached(c, aB, feFromBytes(D2_BYTES))
    edAddCached(r, r, c, s)
    return r
}
