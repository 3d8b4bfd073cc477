// Arithmetic in GF(2^255 - 19), the field of Curve25519 and Edwards25519 (RFC 7748, RFC 8032).
//
// An element is 16 limbs of 16 bits, little-endian (TweetNaCl's layout): a VM number is a double,
// so a product of two limbs (< 2^42 even for loose limbs) and a column of 16 such products with
// the fold by 38 (2^256 = 38 mod p) stay exact below 2^53, and the VM's 32-bit bitwise operators
// split a carry off with `t & 0xffff` (ToInt32 keeps the low bits of any exact integer double).
// Limbs are "loose": feAdd/feSub do not carry, so a limb may be negative or exceed 2^16 a little;
// feMul and feSquare accept sums and differences of up to eight reduced elements and return limbs
// in [-1, 2^16 + 8]. Only fePack produces the canonical encoding.
//
// Speed: feMul is unrolled into straight-line code over locals (one column sum per output limb)
// with a single carry pass: about 1.4K VM steps, 6 times faster than the looped schoolbook form
// (`npm run bench`), because a local costs one bytecode step where an indexed array access in a
// loop costs several. feAdd and feSub are unrolled too (370 steps looped, about 100 unrolled).
//
// Constant time: no function here branches or indexes memory on an element's value. feCswap
// swaps under an all-ones or all-zero mask (-bit) and XOR; fePack subtracts p by computing the
// difference and keeping it under a mask made from the borrow; inversion and square roots use fixed
// addition chains.

/** A field element: 16 limbs of 16 bits, least significant first. */
export type Fe = number[]

/** Field squarings between two yields: 1.6K VM steps each, 64K in all, half a 128K-step slice. */
const SQUARINGS_PER_SLICE = 40

/** The yield of callers that need none (Node): the public-key functions' default. */
export const noYield = async (): Promise<void> => {}

export function feZero(): Fe {
    return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/** The element with value n, 0 <= n < 2^16. */
export function feSmall(n: number): Fe {
    const o = feZero()
    o[0] = n
    return o
}

export function feCopy(o: Fe, a: Fe): void {
    for (let i = 0; i < 16; i++) o[i] = a[i]
}

export function feAdd(o: Fe, a: Fe, b: Fe): void {
    o[0] = a[0] + b[0]
    o[1] = a[1] + b[1]
    o[2] = a[2] + b[2]
    o[3] = a[3] + b[3]
    o[4] = a[4] + b[4]
    o[5] = a[5] + b[5]
    o[6] = a[6] + b[6]
    o[7] = a[7] + b[7]
    o[8] = a[8] + b[8]
    o[9] = a[9] + b[9]
    o[10] = a[10] + b[10]
    o[11] = a[11] + b[11]
    o[12] = a[12] + b[12]
    o[13] = a[13] + b[13]
    o[14] = a[14] + b[14]
    o[15] = a[15] + b[15]
}

/**
 * o = a - b. A loop, unlike feAdd: it takes about 100 more VM steps (3% of a point addition) and
 * saves 150 bytes of bytecode, which the public-key core needs more.
 */
export function feSub(o: Fe, a: Fe, b: Fe): void {
    for (let i = 0; i < 16; i += 2) {
        o[i] = a[i] - b[i]
        o[i + 1] = a[i + 1] - b[i + 1]
    }
}

export function feNeg(o: Fe, a: Fe): void {
    for (let i = 0; i < 16; i++) o[i] = -a[i]
}

/**
 * o = a * b; o may be a or b. Column k sums the products of weight 2^(16k) and, times 38
 * (2^256 = 38 mod p), those of weight 2^(16(k+16)).
 */
export function feMul(o: Fe, a: Fe, b: Fe): void {
    const a0 = a[0]
    const a1 = a[1]
    const a2 = a[2]
    const a3 = a[3]
    const a4 = a[4]
    const a5 = a[5]
    const a6 = a[6]
    const a7 = a[7]
    const a8 = a[8]
    const a9 = a[9]
    const a10 = a[10]
    const a11 = a[11]
    const a12 = a[12]
    const a13 = a[13]
    const a14 = a[14]
    const a15 = a[15]
    const b0 = b[0]
    const b1 = b[1]
    const b2 = b[2]
    const b3 = b[3]
    const b4 = b[4]
    const b5 = b[5]
    const b6 = b[6]
    const b7 = b[7]
    const b8 = b[8]
    const b9 = b[9]
    const b10 = b[10]
    const b11 = b[11]
    const b12 = b[12]
    const b13 = b[13]
    const b14 = b[14]
    const b15 = b[15]
    let t0 = a0 * b0 + 38 * (a1 * b15 + a2 * b14 + a3 * b13 + a4 * b12 + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5 + a12 * b4 + a13 * b3 + a14 * b2 + a15 * b1)
    let t1 = a0 * b1 + a1 * b0 + 38 * (a2 * b15 + a3 * b14 + a4 * b13 + a5 * b12 + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6 + a12 * b5 + a13 * b4 + a14 * b3 + a15 * b2)
    let t2 = a0 * b2 + a1 * b1 + a2 * b0 + 38 * (a3 * b15 + a4 * b14 + a5 * b13 + a6 * b12 + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7 + a12 * b6 + a13 * b5 + a14 * b4 + a15 * b3)
    let t3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + 38 * (a4 * b15 + a5 * b14 + a6 * b13 + a7 * b12 + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8 + a12 * b7 + a13 * b6 + a14 * b5 + a15 * b4)
    let t4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + 38 * (a5 * b15 + a6 * b14 + a7 * b13 + a8 * b12 + a9 * b11 + a10 * b10 + a11 * b9 + a12 * b8 + a13 * b7 + a14 * b6 + a15 * b5)
    let t5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + 38 * (a6 * b15 + a7 * b14 + a8 * b13 + a9 * b12 + a10 * b11 + a11 * b10 + a12 * b9 + a13 * b8 + a14 * b7 + a15 * b6)
    let t6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + 38 * (a7 * b15 + a8 * b14 + a9 * b13 + a10 * b12 + a11 * b11 + a12 * b10 + a13 * b9 + a14 * b8 + a15 * b7)
    let t7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + 38 * (a8 * b15 + a9 * b14 + a10 * b13 + a11 * b12 + a12 * b11 + a13 * b10 + a14 * b9 + a15 * b8)
    let t8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + 38 * (a9 * b15 + a10 * b14 + a11 * b13 + a12 * b12 + a13 * b11 + a14 * b10 + a15 * b9)
    let t9 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0 + 38 * (a10 * b15 + a11 * b14 + a12 * b13 + a13 * b12 + a14 * b11 + a15 * b10)
    let t10 = a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0 + 38 * (a11 * b15 + a12 * b14 + a13 * b13 + a14 * b12 + a15 * b11)
    let t11 = a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0 + 38 * (a12 * b15 + a13 * b14 + a14 * b13 + a15 * b12)
    let t12 = a0 * b12 + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1 + a12 * b0 + 38 * (a13 * b15 + a14 * b14 + a15 * b13)
    let t13 = a0 * b13 + a1 * b12 + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2 + a12 * b1 + a13 * b0 + 38 * (a14 * b15 + a15 * b14)
    let t14 = a0 * b14 + a1 * b13 + a2 * b12 + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3 + a12 * b2 + a13 * b1 + a14 * b0 + 38 * (a15 * b15)
    let t15 = a0 * b15 + a1 * b14 + a2 * b13 + a3 * b12 + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4 + a12 * b3 + a13 * b2 + a14 * b1 + a15 * b0
    // One carry pass; each carry is exact (t - (t & 0xffff) is a multiple of 2^16 below 2^53).
    let c = 0
    let l = 0
    l = t0 & 0xffff
    c = (t0 - l) / 65536
    o[0] = l
    t1 += c
    l = t1 & 0xffff
    c = (t1 - l) / 65536
    o[1] = l
    t2 += c
    l = t2 & 0xffff
    c = (t2 - l) / 65536
    o[2] = l
    t3 += c
    l = t3 & 0xffff
    c = (t3 - l) / 65536
    o[3] = l
    t4 += c
    l = t4 & 0xffff
    c = (t4 - l) / 65536
    o[4] = l
    t5 += c
    l = t5 & 0xffff
    c = (t5 - l) / 65536
    o[5] = l
    t6 += c
    l = t6 & 0xffff
    c = (t6 - l) / 65536
    o[6] = l
    t7 += c
    l = t7 & 0xffff
    c = (t7 - l) / 65536
    o[7] = l
    t8 += c
    l = t8 & 0xffff
    c = (t8 - l) / 65536
    o[8] = l
    t9 += c
    l = t9 & 0xffff
    c = (t9 - l) / 65536
    o[9] = l
    t10 += c
    l = t10 & 0xffff
    c = (t10 - l) / 65536
    o[10] = l
    t11 += c
    l = t11 & 0xffff
    c = (t11 - l) / 65536
    o[11] = l
    t12 += c
    l = t12 & 0xffff
    c = (t12 - l) / 65536
    o[12] = l
    t13 += c
    l = t13 & 0xffff
    c = (t13 - l) / 65536
    o[13] = l
    t14 += c
    l = t14 & 0xffff
    c = (t14 - l) / 65536
    o[14] = l
    t15 += c
    l = t15 & 0xffff
    c = (t15 - l) / 65536
    o[15] = l
    // The carry out of limb 15 weighs 2^256 = 38; two more carries settle limbs 0 and 1.
    t0 = o[0] + 38 * c
    l = t0 & 0xffff
    o[0] = l
    t1 = o[1] + (t0 - l) / 65536
    l = t1 & 0xffff
    o[1] = l
    o[2] += (t1 - l) / 65536
}

/**
 * o = a^2; o may be a. A multiplication: a dedicated unrolled squaring (136 products instead of
 * 256) measured 20 us against 27 us in the VM but costs 1.8 KB of bytecode, and the card's code
 * section is the scarcer resource.
 */
export function feSquare(o: Fe, a: Fe): void {
    feMul(o, a, a)
}

/** Swaps a and b when bit is 1, leaves them when 0, with the same operations either way. */
export function feCswap(a: Fe, b: Fe, bit: number): void {
    const mask = -bit
    let t = 0
    for (let i = 0; i < 16; i++) {
        t = mask & (a[i] ^ b[i])
        a[i] ^= t
        b[i] ^= t
    }
}

/** Carries every limb into [0, 2^16), folding the top carry back in by 38. */
function feCarry(a: Fe): void {
    let c = 0
    let l = 0
    let t = 0
    for (let i = 0; i < 16; i++) {
        t = a[i] + c
        l = t & 0xffff
        c = (t - l) / 65536
        a[i] = l
    }
    a[0] += 38 * c
}

/** The canonical 32-byte little-endian encoding of a (fully reduced mod p) into out[off..off+32). */
export function fePack(out: Buffer, off: number, a: Fe): void {
    const t = feZero()
    const m = feZero()
    feCopy(t, a)
    feCarry(t)
    feCarry(t)
    feCarry(t)
    // t < 2^256 now; subtracting p at most twice lands in [0, p): m = t - p, kept when no borrow.
    for (let round = 0; round < 2; round++) {
        m[0] = t[0] - 0xffed
        for (let i = 1; i < 15; i++) {
            m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1)
            m[i - 1] &= 0xffff
        }
        m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1)
        const borrow = (m[15] >> 16) & 1
        m[14] &= 0xffff
        const keep = borrow - 1 // all ones when there was no borrow: take t - p
        for (let i = 0; i < 16; i++) t[i] ^= keep & (t[i] ^ m[i])
    }
    for (let i = 0; i < 16; i++) {
        out[off + 2 * i] = t[i] & 0xff
        out[off + 2 * i + 1] = t[i] >> 8
    }
}

/** The element encoded in b[off..off+32), little-endian, ignoring the top bit (RFC 7748 5). */
export function feUnpack(o: Fe, b: Buffer, off: number): void {
    for (let i = 0; i < 16; i++) o[i] = b[off + 2 * i] | (b[off + 2 * i + 1] << 8)
    o[15] &= 0x7fff
}

/** 1 when a = 0 (mod p), else 0. */
export function feIsZero(a: Fe): number {
    const b = Buffer.alloc(32)
    fePack(b, 0, a)
    let acc = 0
    for (let i = 0; i < 32; i++) acc |= b[i]
    return ((acc - 1) >> 8) & 1
}

/** The low bit of the canonical value: the "sign" of x in RFC 8032's encoding. */
export function feParity(a: Fe): number {
    const b = Buffer.alloc(32)
    fePack(b, 0, a)
    return b[0] & 1
}

/** o = a^(2^n) by n squarings, yielding first and then every SQUARINGS_PER_SLICE of them. */
async function feSquareTimes(o: Fe, a: Fe, n: number, yieldSlice: () => Promise<void>): Promise<void> {
    await yieldSlice()
    feSquare(o, a)
    for (let i = 1; i < n; i++) {
        if (i % SQUARINGS_PER_SLICE === 0) await yieldSlice()
        feSquare(o, o)
    }
}

/**
 * The common start of inversion and square root: returns a^(2^250 - 1) in t and a^11 in a11
 * (the addition chain of curve25519-donna and ref10: 250 squarings and 11 multiplications).
 */
async function fePow2250(t: Fe, a11: Fe, a: Fe, yieldSlice: () => Promise<void>): Promise<void> {
    await yieldSlice()
    const t0 = feZero()
    const t1 = feZero()
    feSquare(t0, a) // a^2
    feSquare(t1, t0)
    feSquare(t1, t1) // a^8
    feMul(t1, t1, a) // a^9
    feMul(a11, t0, t1) // a^11
    feSquare(t0, a11) // a^22
    feMul(t0, t0, t1) // a^31 = a^(2^5 - 1)
    await feSquareTimes(t1, t0, 5, yieldSlice)
    feMul(t0, t1, t0) // a^(2^10 - 1)
    await feSquareTimes(t1, t0, 10, yieldSlice)
    feMul(t1, t1, t0) // a^(2^20 - 1)
    await feSquareTimes(t, t1, 20, yieldSlice)
    feMul(t, t, t1) // a^(2^40 - 1)
    await feSquareTimes(t, t, 10, yieldSlice)
    feMul(t0, t, t0) // a^(2^50 - 1)
    await feSquareTimes(t, t0, 50, yieldSlice)
    feMul(t1, t, t0) // a^(2^100 - 1)
    await feSquareTimes(t, t1, 100, yieldSlice)
    feMul(t, t, t1) // a^(2^200 - 1)
    await yieldSlice()
    await feSquareTimes(t, t, 50, yieldSlice)
    feMul(t, t, t0) // a^(2^250 - 1)
}

/** o = 1/a = a^(p - 2) = a^(2^255 - 21); 0 maps to 0. */
export async function feInvert(o: Fe, a: Fe, yieldSlice: () => Promise<void>): Promise<void> {
    const t = feZero()
    const a11 = feZero()
    await fePow2250(t, a11, a, yieldSlice)
    await feSquareTimes(t, t, 5, yieldSlice) // a^(2^255 - 32)
    feMul(o, t, a11) // a^(2^255 - 21)
}

/** o = a^((p - 5) / 8) = a^(2^252 - 3), the exponent of RFC 8032's square root (5.1.3). */
export async function fePow22523(o: Fe, a: Fe, yieldSlice: () => Promise<void>): Promise<void> {
    const t = feZero()
    const a11 = feZero()
    await fePow2250(t, a11, a, yieldSlice)
    await feSquareTimes(t, t, 2, yieldSlice) // a^(2^252 - 4)
    feMul(o, t, a) // a^(2^252 - 3)
}
