// Reference for the benchmark only: a plain T-table AES-128 encryption as usually written
// (four tables, looped rounds, bytes in and out, round keys cached). The "six plain blocks"
// target for Milenage is measured against this.

import { aes128ExpandKey, Aes128Key } from "../../src/crypto/aes128"

const S: number[] = []
const T0: number[] = []
const T1: number[] = []
const T2: number[] = []
const T3: number[] = []

function xtime(x: number): number {
    return ((x << 1) ^ ((x & 0x80) !== 0 ? 0x11b : 0)) & 0xff
}

/** Builds the reference tables: an S-box as a number array and `tables` T-tables (4 plain, 1 compact). */
export function buildReferenceTables(tables: number): void {
    const exp: number[] = []
    const log: number[] = []
    let x = 1
    for (let i = 0; i < 255; i++) {
        exp.push(x)
        log[x] = i
        x ^= xtime(x)
    }
    for (let i = 0; i < 256; i++) {
        const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255]
        let s = inv
        let r = inv
        for (let j = 0; j < 4; j++) {
            r = ((r << 1) | (r >> 7)) & 0xff
            s ^= r
        }
        S.push(s ^ 0x63)
    }
    for (let i = 0; i < 256; i++) {
        const s = S[i]
        const s2 = xtime(s)
        const t = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)
        T0.push(t | 0)
        if (tables === 4) {
            T1.push(((t >>> 8) | (t << 24)) | 0)
            T2.push(((t >>> 16) | (t << 16)) | 0)
            T3.push(((t >>> 24) | (t << 8)) | 0)
        }
    }
}

/** The reference tables plus a key schedule from the core (round keys are the same for every layout). */
export function plainSetup(): Aes128Key {
    buildReferenceTables(4)
    return aes128ExpandKey(Buffer.alloc(16))
}

export function plainEncrypt(key: Aes128Key, inp: Buffer, out: Buffer): void {
    const rk = key.enc
    let s0 = ((inp[0] << 24) | (inp[1] << 16) | (inp[2] << 8) | inp[3]) ^ rk[0]
    let s1 = ((inp[4] << 24) | (inp[5] << 16) | (inp[6] << 8) | inp[7]) ^ rk[1]
    let s2 = ((inp[8] << 24) | (inp[9] << 16) | (inp[10] << 8) | inp[11]) ^ rk[2]
    let s3 = ((inp[12] << 24) | (inp[13] << 16) | (inp[14] << 8) | inp[15]) ^ rk[3]
    let k = 4
    for (let r = 1; r < 10; r++) {
        const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[k]
        const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[k + 1]
        const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[k + 2]
        const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[k + 3]
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
        k += 4
    }
    const w0 = ((S[s0 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) | S[s3 & 255]) ^ rk[40]
    const w1 = ((S[s1 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) | S[s0 & 255]) ^ rk[41]
    const w2 = ((S[s2 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) | S[s1 & 255]) ^ rk[42]
    const w3 = ((S[s3 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) | S[s2 & 255]) ^ rk[43]
    out[0] = w0 >>> 24
    out[1] = w0 >>> 16
    out[2] = w0 >>> 8
    out[3] = w0
    out[4] = w1 >>> 24
    out[5] = w1 >>> 16
    out[6] = w1 >>> 8
    out[7] = w1
    out[8] = w2 >>> 24
    out[9] = w2 >>> 16
    out[10] = w2 >>> 8
    out[11] = w2
    out[12] = w3 >>> 24
    out[13] = w3 >>> 16
    out[14] = w3 >>> 8
    out[15] = w3
}

/** The compact layout alternative: one table (2 KB of heap instead of 8 KB) and rotations. */
export function compactEncryptWords(key: Aes128Key, s0: number, s1: number, s2: number, s3: number, out: number[]): void {
    const rk = key.enc
    const T = T0
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    let k = 4
    let a = 0
    let b = 0
    let c = 0
    for (let r = 1; r < 10; r++) {
        a = T[(s1 >>> 16) & 255]
        b = T[(s2 >>> 8) & 255]
        c = T[s3 & 255]
        const t0 = T[s0 >>> 24] ^ ((a >>> 8) | (a << 24)) ^ ((b >>> 16) | (b << 16)) ^ ((c >>> 24) | (c << 8)) ^ rk[k]
        a = T[(s2 >>> 16) & 255]
        b = T[(s3 >>> 8) & 255]
        c = T[s0 & 255]
        const t1 = T[s1 >>> 24] ^ ((a >>> 8) | (a << 24)) ^ ((b >>> 16) | (b << 16)) ^ ((c >>> 24) | (c << 8)) ^ rk[k + 1]
        a = T[(s3 >>> 16) & 255]
        b = T[(s0 >>> 8) & 255]
        c = T[s1 & 255]
        const t2 = T[s2 >>> 24] ^ ((a >>> 8) | (a << 24)) ^ ((b >>> 16) | (b << 16)) ^ ((c >>> 24) | (c << 8)) ^ rk[k + 2]
        a = T[(s0 >>> 16) & 255]
        b = T[(s1 >>> 8) & 255]
        c = T[s2 & 255]
        const t3 = T[s3 >>> 24] ^ ((a >>> 8) | (a << 24)) ^ ((b >>> 16) | (b << 16)) ^ ((c >>> 24) | (c << 8)) ^ rk[k + 3]
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
        k += 4
    }
    out[0] = ((S[s0 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) | S[s3 & 255]) ^ rk[40]
    out[1] = ((S[s1 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) | S[s0 & 255]) ^ rk[41]
    out[2] = ((S[s2 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) | S[s1 & 255]) ^ rk[42]
    out[3] = ((S[s3 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) | S[s2 & 255]) ^ rk[43]
}
