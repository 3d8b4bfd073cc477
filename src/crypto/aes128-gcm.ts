// AES-128-GCM (NIST SP 800-38D) with a 96-bit IV and a 16-byte tag, the cipher of
// TLS_AES_128_GCM_SHA256, in bytecode: the card's AES-128 core (aes128.ts) in counter mode, and
// GHASH with a table of the 16 multiples of H by a 4-bit polynomial, built once per key (Shoup's
// method: a block costs 32 table steps instead of 128 bit steps). Values of GF(2^128) are four
// big-endian 32-bit words, the first bit of the block the most significant.
// The card's choice for TLS 1.3 records: in the VM it seals in about half the time of ChaCha20-Poly1305
// in less bytecode (docs/benchmarks.md).

import { constantTimeEqual } from "../bytes"
import { aes128EncryptWords, aes128ExpandKey, Aes128Key, wordAt } from "./aes128"

/** Reduction of the four bits shifted out at the low end, folded back at the top (x^128 = x^7 + x^2 + x + 1, reflected). */
const REDUCE4: number[] = []

function reductionTable(): number[] {
    if (REDUCE4.length === 16) return REDUCE4
    for (let i = 0; i < 16; i++) {
        // Each bit b shifted out (bit 0 of the nibble is the last bit of the value) adds R = 0xE1 << 120 shifted right by 3 - b.
        let w = 0
        for (let b = 0; b < 4; b++) if ((i >> b) & 1) w ^= (0xe1000000 >>> (3 - b)) | 0
        REDUCE4.push(w | 0)
    }
    return REDUCE4
}

export interface Aes128GcmKey {
    aes: Aes128Key
    /** 16 multiples of H, four words each: table[4 * i..4 * i + 4) = i * H, i read as 4 bits, its first bit most significant. */
    table: number[]
}

/** V * x in GF(2^128): one right shift of the reflected bits, reduced. */
function timesX(v: number[]): number[] {
    const carry = v[3] & 1
    const out = [v[0] >>> 1, ((v[1] >>> 1) | (v[0] << 31)) | 0, ((v[2] >>> 1) | (v[1] << 31)) | 0, ((v[3] >>> 1) | (v[2] << 31)) | 0]
    if (carry) out[0] ^= 0xe1000000
    out[0] = out[0] | 0
    return out
}

export function aes128GcmKey(key: Buffer): Aes128GcmKey {
    const aes = aes128ExpandKey(key)
    const h: number[] = [0, 0, 0, 0]
    aes128EncryptWords(aes, 0, 0, 0, 0, h)
    // The nibble's first bit is the coefficient of x^0: 8 -> H, 4 -> H*x, 2 -> H*x^2, 1 -> H*x^3.
    const table: number[] = []
    for (let i = 0; i < 64; i++) table.push(0)
    let v = h
    for (let bit = 8; bit >= 1; bit = bit >> 1) {
        for (let k = 0; k < 4; k++) table[4 * bit + k] = v[k]
        v = timesX(v)
    }
    for (let i = 2; i < 16; i++) {
        if ((i & (i - 1)) === 0) continue
        const hi = i & 8 ? 8 : i & 4 ? 4 : 2
        for (let k = 0; k < 4; k++) table[4 * i + k] = table[4 * hi + k] ^ table[4 * (i ^ hi) + k]
    }
    return { aes: aes, table: table }
}

/** y = y * H in place, nibble by nibble from the last one (Horner's rule on x^4). */
function mulH(y: number[], table: number[]): void {
    const R = reductionTable()
    let z0 = 0
    let z1 = 0
    let z2 = 0
    let z3 = 0
    for (let n = 31; n >= 0; n--) {
        const nib = (y[n >> 3] >>> (4 * (7 - (n & 7)))) & 15
        if (n !== 31) {
            // z = z * x^4: shift right by four, reduce the four bits that fall off.
            const out = z3 & 15
            z3 = ((z3 >>> 4) | (z2 << 28)) | 0
            z2 = ((z2 >>> 4) | (z1 << 28)) | 0
            z1 = ((z1 >>> 4) | (z0 << 28)) | 0
            z0 = (z0 >>> 4) ^ R[out]
        }
        const t = 4 * nib
        z0 ^= table[t]
        z1 ^= table[t + 1]
        z2 ^= table[t + 2]
        z3 ^= table[t + 3]
    }
    y[0] = z0 | 0
    y[1] = z1 | 0
    y[2] = z2 | 0
    y[3] = z3 | 0
}

/** Blocks between two VM yields: about 40K steps of GHASH and counter mode together. */
const BLOCKS_PER_SLICE = 16

async function noYield(): Promise<void> {}

/** GHASH over data zero-padded to whole blocks, continuing from y. */
async function ghashInto(y: number[], table: number[], data: Buffer, yieldSlice: () => Promise<void>): Promise<void> {
    for (let o = 0; o < data.length; o += 16) {
        if (o > 0 && (o / 16) % BLOCKS_PER_SLICE === 0) await yieldSlice()
        let b = data
        let at = o
        if (o + 16 > data.length) {
            // The last, partial block, zero-padded.
            b = Buffer.alloc(16)
            b.set(data.slice(o, data.length), 0)
            at = 0
        }
        y[0] ^= wordAt(b, at)
        y[1] ^= wordAt(b, at + 4)
        y[2] ^= wordAt(b, at + 8)
        y[3] ^= wordAt(b, at + 12)
        mulH(y, table)
    }
}

async function counterBlocks(k: Aes128GcmKey, iv: Buffer, data: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const out = Buffer.alloc(data.length)
    const i0 = wordAt(iv, 0)
    const i1 = wordAt(iv, 4)
    const i2 = wordAt(iv, 8)
    const ks: number[] = [0, 0, 0, 0]
    // The first counter block for data is J0 + 1 = IV || 2.
    for (let o = 0, ctr = 2; o < data.length; o += 16, ctr++) {
        if (o > 0 && (o / 16) % BLOCKS_PER_SLICE === 0) await yieldSlice()
        aes128EncryptWords(k.aes, i0, i1, i2, ctr, ks)
        const n = Math.min(16, data.length - o)
        for (let i = 0; i < n; i++) out[o + i] = data[o + i] ^ ((ks[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff)
    }
    return out
}

async function tagOf(k: Aes128GcmKey, iv: Buffer, ct: Buffer, aad: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const y: number[] = [0, 0, 0, 0]
    await ghashInto(y, k.table, aad, yieldSlice)
    await ghashInto(y, k.table, ct, yieldSlice)
    // The lengths in bits, 64 bits each (under 2^29 bytes here).
    y[1] ^= aad.length * 8
    y[3] ^= ct.length * 8
    mulH(y, k.table)
    const j0: number[] = [0, 0, 0, 0]
    aes128EncryptWords(k.aes, wordAt(iv, 0), wordAt(iv, 4), wordAt(iv, 8), 1, j0)
    const tag = Buffer.alloc(16)
    for (let i = 0; i < 16; i++) tag[i] = ((y[i >> 2] ^ j0[i >> 2]) >>> (24 - 8 * (i & 3))) & 0xff
    return tag
}

/** Ciphertext and 16-byte tag; `yieldSlice` between parts of a long message (the VM's step limit). */
export async function aes128GcmSeal(k: Aes128GcmKey, iv: Buffer, plaintext: Buffer, aad: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer> {
    if (iv.length !== 12) throw new RangeError("AES-GCM takes a 12-byte IV here")
    const ct = await counterBlocks(k, iv, plaintext, yieldSlice)
    await yieldSlice()
    const out = Buffer.alloc(ct.length + 16)
    out.set(ct, 0)
    out.set(await tagOf(k, iv, ct, aad, yieldSlice), ct.length)
    return out
}

/** The plaintext, or null when the tag does not verify. */
export async function aes128GcmOpen(k: Aes128GcmKey, iv: Buffer, sealed: Buffer, aad: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer | null> {
    if (iv.length !== 12) throw new RangeError("AES-GCM takes a 12-byte IV here")
    if (sealed.length < 16) return null
    const ct = sealed.slice(0, sealed.length - 16)
    if (!constantTimeEqual(await tagOf(k, iv, ct, aad, yieldSlice), sealed.slice(sealed.length - 16, sealed.length))) return null
    await yieldSlice()
    return await counterBlocks(k, iv, ct, yieldSlice)
}
