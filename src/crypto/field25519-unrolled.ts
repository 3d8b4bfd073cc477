// GF(2^255 - 19) multiplication and squaring unrolled into straight-line code over locals, and
// multiplication by a small constant, for X25519's variable-base ladder on the EAP-TLS card
// (x25519.ts), where they run ten times per ladder step, 2,550 times per key exchange.
//
// Same representation and limb contract as field25519.ts (read its header): 16 limbs of 16 bits in
// doubles, the products of weight 2^256 and up folded back in times 38; the inputs may be sums and
// differences of up to eight reduced elements (negative limbs, or limbs up to about 2^19), and the
// outputs have limbs in [-1, 2^16 + 8], so these functions mix freely with field25519's.
//
// Speed against size: an operand limb read once into a local costs one VM step where field25519's
// Horner rows cost several, so in the VM feMulUnrolled takes about 30 us (1,520 steps) against
// feMul's 42 us (2,520), feSquareUnrolled 20 us (1,020) against feSquare's 42 us, and feMulSmall
// about 11 us; X25519 with them takes about 90 ms against 134 ms. They cost 4.3 KB of bytecode
// (2,436 + 1,664 + 172 bytes), which the EAP-TLS card image has room for; field25519.ts is shared
// with the EAP-AKA card image, whose code section is almost full, and stays small. Only x25519.ts
// imports this module.
//
// Constant time: no branch and no memory index depends on a value (feMulSmall's loop runs over
// the 16 limbs for any input).

import { Fe } from "./field25519"

/**
 * o = a * b; o may be a or b. Column k sums the products of weight 2^(16k) and, times 38
 * (2^256 = 38 mod p), those of weight 2^(16(k+16)); one carry pass follows.
 */
export function feMulUnrolled(o: Fe, a: Fe, b: Fe): void {
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
 * o = a^2; o may be a. Column k as in feMulUnrolled, each product a[i] a[j] with i != j taken once
 * and doubled: 136 products instead of 256 (76 = 2 * 38 for the doubled products that fold).
 */
export function feSquareUnrolled(o: Fe, a: Fe): void {
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
    let t0 = a0 * a0 + 76 * (a1 * a15 + a2 * a14 + a3 * a13 + a4 * a12 + a5 * a11 + a6 * a10 + a7 * a9) + 38 * a8 * a8
    let t1 = 2 * a0 * a1 + 76 * (a2 * a15 + a3 * a14 + a4 * a13 + a5 * a12 + a6 * a11 + a7 * a10 + a8 * a9)
    let t2 = 2 * a0 * a2 + a1 * a1 + 76 * (a3 * a15 + a4 * a14 + a5 * a13 + a6 * a12 + a7 * a11 + a8 * a10) + 38 * a9 * a9
    let t3 = 2 * (a0 * a3 + a1 * a2) + 76 * (a4 * a15 + a5 * a14 + a6 * a13 + a7 * a12 + a8 * a11 + a9 * a10)
    let t4 = 2 * (a0 * a4 + a1 * a3) + a2 * a2 + 76 * (a5 * a15 + a6 * a14 + a7 * a13 + a8 * a12 + a9 * a11) + 38 * a10 * a10
    let t5 = 2 * (a0 * a5 + a1 * a4 + a2 * a3) + 76 * (a6 * a15 + a7 * a14 + a8 * a13 + a9 * a12 + a10 * a11)
    let t6 = 2 * (a0 * a6 + a1 * a5 + a2 * a4) + a3 * a3 + 76 * (a7 * a15 + a8 * a14 + a9 * a13 + a10 * a12) + 38 * a11 * a11
    let t7 = 2 * (a0 * a7 + a1 * a6 + a2 * a5 + a3 * a4) + 76 * (a8 * a15 + a9 * a14 + a10 * a13 + a11 * a12)
    let t8 = 2 * (a0 * a8 + a1 * a7 + a2 * a6 + a3 * a5) + a4 * a4 + 76 * (a9 * a15 + a10 * a14 + a11 * a13) + 38 * a12 * a12
    let t9 = 2 * (a0 * a9 + a1 * a8 + a2 * a7 + a3 * a6 + a4 * a5) + 76 * (a10 * a15 + a11 * a14 + a12 * a13)
    let t10 = 2 * (a0 * a10 + a1 * a9 + a2 * a8 + a3 * a7 + a4 * a6) + a5 * a5 + 76 * (a11 * a15 + a12 * a14) + 38 * a13 * a13
    let t11 = 2 * (a0 * a11 + a1 * a10 + a2 * a9 + a3 * a8 + a4 * a7 + a5 * a6) + 76 * (a12 * a15 + a13 * a14)
    let t12 = 2 * (a0 * a12 + a1 * a11 + a2 * a10 + a3 * a9 + a4 * a8 + a5 * a7) + a6 * a6 + 76 * a13 * a15 + 38 * a14 * a14
    let t13 = 2 * (a0 * a13 + a1 * a12 + a2 * a11 + a3 * a10 + a4 * a9 + a5 * a8 + a6 * a7) + 76 * a14 * a15
    let t14 = 2 * (a0 * a14 + a1 * a13 + a2 * a12 + a3 * a11 + a4 * a10 + a5 * a9 + a6 * a8) + a7 * a7 + 38 * a15 * a15
    let t15 = 2 * (a0 * a15 + a1 * a14 + a2 * a13 + a3 * a12 + a4 * a11 + a5 * a10 + a6 * a9 + a7 * a8)
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
 * o = a * k for a small constant 0 <= k < 2^17 (X25519's a24 = 121665); o may be a. Each limb
 * product stays below 2^37 and the carries ride along in one pass; the carry out of limb 15 is
 * folded in times 38 and settled through limbs 0 and 1, as in feMulUnrolled.
 */
export function feMulSmall(o: Fe, a: Fe, k: number): void {
    let c = 0
    let l = 0
    let t = 0
    for (let i = 0; i < 16; i++) {
        t = a[i] * k + c
        l = t & 0xffff
        c = (t - l) / 65536
        o[i] = l
    }
    t = o[0] + 38 * c
    l = t & 0xffff
    o[0] = l
    t = o[1] + (t - l) / 65536
    l = t & 0xffff
    o[1] = l
    o[2] += (t - l) / 65536
}
