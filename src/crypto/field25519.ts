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
// Size before speed: the card's code section is the scarcer resource. feMul runs Horner's rule
// over one operand's limbs with one unrolled row of 16 multiply-adds over locals and a looped
// carry: 540 bytes of bytecode and about 2.5K VM steps, where the fully unrolled column sums took
// 2.4 KB for 1.5K steps, and the looped schoolbook form (array accesses only) about 9K steps.
// feAdd and feSub are loops too.
//
// Constant time: no function here branches or indexes memory on an element's value. feCswap
// swaps under an all-ones or all-zero mask (-bit) and XOR; fePack subtracts p by computing the
// difference and keeping it under a mask made from the borrow; inversion and square roots use fixed
// addition chains.

/** A field element: 16 limbs of 16 bits, least significant first. */
export type Fe = number[]

/** Field squarings between two yields: 2.5K VM steps each, 75K in all, 60% of a 128K-step slice. */
const SQUARINGS_PER_SLICE = 30

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

/** o = a + b, two limbs per iteration (unrolled, 150 more bytes for about 100 fewer VM steps). */
export function feAdd(o: Fe, a: Fe, b: Fe): void {
    for (let i = 0; i < 16; i += 2) {
        o[i] = a[i] + b[i]
        o[i + 1] = a[i + 1] + b[i + 1]
    }
}

/** o = a - b, as feAdd. */
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
 * o = a * b; o may be a or b. Horner's rule over a's limbs from the top: c = c 2^16 + a[i] b, where
 * the shift by 2^16 moves each column up a limb and the top one, times 38 (2^256 = 38 mod p), down
 * to limb 0. The product a[i] b[j] lands in column i + j, or in column i + j - 16 times 38: the
 * schoolbook column sums, from one unrolled row of 16 multiply-adds over locals.
 */
export function feMul(o: Fe, a: Fe, b: Fe): void {
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
    let c0 = 0
    let c1 = 0
    let c2 = 0
    let c3 = 0
    let c4 = 0
    let c5 = 0
    let c6 = 0
    let c7 = 0
    let c8 = 0
    let c9 = 0
    let c10 = 0
    let c11 = 0
    let c12 = 0
    let c13 = 0
    let c14 = 0
    let c15 = 0
    let top = 0
    let ai = 0
    for (let i = 15; i >= 0; i--) {
        ai = a[i]
        top = c15
        c15 = c14 + ai * b15
        c14 = c13 + ai * b14
        c13 = c12 + ai * b13
        c12 = c11 + ai * b12
        c11 = c10 + ai * b11
        c10 = c9 + ai * b10
        c9 = c8 + ai * b9
        c8 = c7 + ai * b8
        c7 = c6 + ai * b7
        c6 = c5 + ai * b6
        c5 = c4 + ai * b5
        c4 = c3 + ai * b4
        c3 = c2 + ai * b3
        c2 = c1 + ai * b2
        c1 = c0 + ai * b1
        c0 = 38 * top + ai * b0
    }
    o[0] = c0
    o[1] = c1
    o[2] = c2
    o[3] = c3
    o[4] = c4
    o[5] = c5
    o[6] = c6
    o[7] = c7
    o[8] = c8
    o[9] = c9
    o[10] = c10
    o[11] = c11
    o[12] = c12
    o[13] = c13
    o[14] = c14
    o[15] = c15
    // One carry pass (the carry out of limb 15 weighs 2^256 = 38), then two carries settle limbs 0 and 1.
    feCarry(o)
    const t0 = o[0]
    const l0 = t0 & 0xffff
    o[0] = l0
    const t1 = o[1] + (t0 - l0) / 65536
    const l1 = t1 & 0xffff
    o[1] = l1
    o[2] += (t1 - l1) / 65536
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

/**
 * The canonical 32-byte little-endian encoding of a (fully reduced mod p) into out[off..off+32).
 * Five carry passes that fold the bits from 255 up back in times 19 (2^255 = 19 mod p): three
 * bring t into [0, 2^255); the fourth adds 19 first, so bit 255 is set exactly when t >= p and
 * folding it leaves t + 19 - 2^255 = t - p, and takes the 19 back otherwise; the fifth settles
 * that borrow. The passes differ by round number only, never by value.
 */
export function fePack(out: Buffer, off: number, a: Fe): void {
    const t = feZero()
    feCopy(t, a)
    let c = 0
    let l = 0
    let v = 0
    for (let round = 0; round < 5; round++) {
        const e = round === 3 ? 19 : 0
        t[0] += e
        c = 0
        for (let i = 0; i < 15; i++) {
            v = t[i] + c
            l = v & 0xffff
            c = (v - l) / 65536
            t[i] = l
        }
        v = t[15] + c
        l = v & 0x7fff
        t[15] = l
        t[0] += (19 * (v - l)) / 32768 - e
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
