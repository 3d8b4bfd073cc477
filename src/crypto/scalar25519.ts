// Arithmetic modulo L = 2^252 + 27742317777372353535851937790883648493, the order of the
// Ed25519 base point (RFC 8032 5.1): reducing SHA-512 outputs and S = (r + k a) mod L.
//
// Numbers are little-endian 16-bit limbs in a number[] (TweetNaCl's modL, on limbs twice as wide:
// a quarter of the iterations): products of limbs and their column sums stay exact in doubles,
// and each carry is split off with the VM's 32-bit `&` on the low bits, exact for any integer below
// 2^53. The loops run a fixed number of times and never branch on a limb, so reducing the secret
// nonce and computing S take the same steps for every value. A reduction is about 15K VM steps.

/** L, 16-bit limbs, least significant first; L = 2^252 + delta with delta below 2^125 (limbs 0-7). */
const L = [54253, 23797, 25370, 22546, 40150, 41719, 63966, 5342, 0, 0, 0, 0, 0, 0, 0, 4096]

/**
 * The clamped copy of a 32-byte secret scalar: bits 0-2 and 255 cleared, bit 254 set (RFC 7748
 * decodeScalar25519, RFC 8032 5.1.5): a multiple of the cofactor 8, below 2^255.
 */
export function clampScalar(scalar: Buffer): Buffer {
    const k = Buffer.alloc(32)
    k.set(scalar, 0)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return k
}

/** floor(v / 2^16), exact for integers |v| < 2^53 (v & 0xffff keeps the low bits of ToInt32(v)). */
function carryOf(v: number): number {
    return (v - (v & 0xffff)) / 65536
}

/** x (32 limbs, each in [0, 2^16]) mod L, as 32 bytes. */
function reduce(x: number[]): Buffer {
    // Limbs 31..16 fold down: x[i] 2^(16 i) = x[i] 2^(16 (i - 16)) 2^256, and 2^256 = -16 delta (mod L).
    for (let i = 31; i >= 16; i--) {
        let carry = 0
        let j = i - 16
        for (; j < i - 8; j++) {
            x[j] += carry - 16 * x[i] * L[j - (i - 16)]
            carry = carryOf(x[j] + 32768)
            x[j] -= carry * 65536
        }
        x[j] += carry
        x[i] = 0
    }
    // Carry limbs 0..14 into [0, 2^16); limb 15 keeps everything above, so the value's bits from
    // 252 up are q = x[15] >> 12. Subtracting q L leaves a value in (-2^130, 2^252): add L back
    // once, masked by the sign, and the result is below L.
    let carry = 0
    for (let j = 0; j < 15; j++) {
        x[j] += carry
        carry = carryOf(x[j])
        x[j] &= 0xffff
    }
    x[15] += carry
    const q = x[15] >> 12
    carry = 0
    for (let j = 0; j < 16; j++) {
        x[j] += carry - q * L[j]
        carry = carryOf(x[j])
        x[j] &= 0xffff
    }
    // carry is -1 (add L back) or 0; the last carry out cancels the 2^256 borrowed above.
    const addBack = -carry
    const r = Buffer.alloc(32)
    carry = 0
    for (let i = 0; i < 16; i++) {
        x[i] += carry + addBack * L[i]
        carry = carryOf(x[i])
        r[2 * i] = x[i] & 0xff
        r[2 * i + 1] = (x[i] >> 8) & 0xff
    }
    return r
}

function limbsOf(b: Buffer, out: number[]): void {
    for (let i = 0; i < b.length; i += 2) out.push(b[i] | (b[i + 1] << 8))
}

/** A 64-byte little-endian number (a SHA-512 output) mod L, as 32 bytes. */
export function scalarReduce64(h: Buffer): Buffer {
    if (h.length !== 64) throw new RangeError("scalarReduce64: 64 bytes expected")
    const x: number[] = []
    limbsOf(h, x)
    return reduce(x)
}

/** (a * b + c) mod L for 32-byte little-endian a, b, c (each below 2^256). */
export function scalarMulAdd(a: Buffer, b: Buffer, c: Buffer): Buffer {
    const al: number[] = []
    const bl: number[] = []
    const x: number[] = []
    limbsOf(a, al)
    limbsOf(b, bl)
    limbsOf(c, x)
    for (let i = 16; i < 33; i++) x.push(0)
    for (let i = 0; i < 16; i++) {
        const ai = al[i]
        for (let j = 0; j < 16; j++) x[i + j] += ai * bl[j]
    }
    // Back to 16-bit limbs before the reduction (its products must stay below 2^53).
    let carry = 0
    for (let i = 0; i < 32; i++) {
        x[i] += carry
        carry = carryOf(x[i])
        x[i] &= 0xffff
    }
    return reduce(x)
}

/** True when the 32-byte little-endian s is below L (RFC 8032 5.1.7's check on S; public data). */
export function scalarIsCanonical(s: Buffer): boolean {
    if (s.length !== 32) return false
    const wide = Buffer.alloc(64)
    wide.set(s, 0)
    const reduced = scalarReduce64(wide)
    for (let i = 0; i < 32; i++) if (reduced[i] !== s[i]) return false
    return true
}
