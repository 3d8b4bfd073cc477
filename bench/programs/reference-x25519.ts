// Reference for the benchmark only: X25519 as it is usually first written for a VM of doubles,
// TweetNaCl's field arithmetic with loops over number arrays (16-limb schoolbook multiplication,
// two full carry passes) under the same RFC 7748 ladder. The core's unrolled field is measured
// against this.

import { clampScalar } from "../../src/crypto/scalar25519"

type Gf = number[]

function gf(): Gf {
    const r: number[] = []
    for (let i = 0; i < 16; i++) r.push(0)
    return r
}

const T: number[] = []
for (let i = 0; i < 31; i++) T.push(0)

function carry(o: Gf): void {
    let c = 1
    for (let i = 0; i < 16; i++) {
        const v = o[i] + c + 65535
        c = Math.floor(v / 65536)
        o[i] = v - c * 65536
    }
    o[0] += c - 1 + 37 * (c - 1)
}

export function referenceMul(o: Gf, a: Gf, b: Gf): void {
    for (let i = 0; i < 31; i++) T[i] = 0
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) T[i + j] += a[i] * b[j]
    for (let i = 0; i < 15; i++) T[i] += 38 * T[i + 16]
    for (let i = 0; i < 16; i++) o[i] = T[i]
    carry(o)
    carry(o)
}

function add(o: Gf, a: Gf, b: Gf): void {
    for (let i = 0; i < 16; i++) o[i] = a[i] + b[i]
}

function sub(o: Gf, a: Gf, b: Gf): void {
    for (let i = 0; i < 16; i++) o[i] = a[i] - b[i]
}

function cswap(p: Gf, q: Gf, bit: number): void {
    const c = ~(bit - 1)
    for (let i = 0; i < 16; i++) {
        const t = c & (p[i] ^ q[i])
        p[i] ^= t
        q[i] ^= t
    }
}

/** TweetNaCl's inversion: a^(p-2) by square-and-multiply over the exponent's bits. */
async function invert(o: Gf, a: Gf, yieldSlice: () => Promise<void>): Promise<void> {
    const c = gf()
    for (let i = 0; i < 16; i++) c[i] = a[i]
    for (let i = 253; i >= 0; i--) {
        referenceMul(c, c, c)
        if (i !== 2 && i !== 4) referenceMul(c, c, a)
        if (i % 4 === 0) await yieldSlice()
    }
    for (let i = 0; i < 16; i++) o[i] = c[i]
}

/** X25519's u-coordinate x/z as limbs (not packed: packing is the same in both). */
export async function referenceX25519(scalar: Buffer, u: Buffer, yieldSlice: () => Promise<void>): Promise<Gf> {
    const k = clampScalar(scalar)
    const x1 = gf()
    for (let i = 0; i < 16; i++) x1[i] = u[2 * i] + (u[2 * i + 1] << 8)
    x1[15] &= 0x7fff
    const a = gf()
    const b = gf()
    const c = gf()
    const d = gf()
    const e = gf()
    const f = gf()
    const x = gf()
    for (let i = 0; i < 16; i++) {
        b[i] = x1[i]
        d[i] = 0
        a[i] = 0
        c[i] = 0
    }
    a[0] = 1
    d[0] = 1
    for (let i = 254; i >= 0; i--) {
        const r = (k[i >>> 3] >>> (i & 7)) & 1
        cswap(a, b, r)
        cswap(c, d, r)
        add(e, a, c)
        sub(a, a, c)
        add(c, b, d)
        sub(b, b, d)
        referenceMul(d, e, e)
        referenceMul(f, a, a)
        referenceMul(a, c, a)
        referenceMul(c, b, e)
        add(e, a, c)
        sub(a, a, c)
        referenceMul(b, a, a)
        await yieldSlice() // ten looped multiplications overrun one 128K-step slice
        sub(c, d, f)
        for (let j = 0; j < 16; j++) x[j] = j === 0 ? 0xdb41 : j === 1 ? 1 : 0 // 121665
        referenceMul(a, c, x)
        add(a, a, d)
        referenceMul(c, c, a)
        referenceMul(a, d, f)
        referenceMul(d, b, x1)
        referenceMul(b, e, e)
        cswap(a, b, r)
        cswap(c, d, r)
        await yieldSlice()
    }
    await invert(c, c, yieldSlice)
    referenceMul(a, a, c)
    return a
}
