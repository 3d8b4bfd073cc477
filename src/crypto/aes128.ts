// AES-128 (FIPS 197), tuned for the DeviceScript bytecode interpreter.
//
// Encryption is the hot path (Milenage runs six blocks per authentication), so it uses four
// 32-bit T-tables over 32-bit words: no byte packing between blocks, table references held in
// locals. The nine full rounds run in a loop: unrolled they take about 0.85x the time per block
// (see `npm run bench`) but 1.5 KB more of the card's bytecode.
// The tables cost about 8 KB of GC heap (a VM array slot is 8 bytes); they are built from the
// S-box (a flash literal) on the first key expansion, so firmware that never uses AES never pays
// for them.
//
// Decryption is only needed for AT_ENCR_DATA (a few blocks per authentication), so it holds no
// T-table: InvMixColumns is computed on words, and only the 256-byte inverse S-box is kept.

import { hex } from "../bytes"

/** The S-box (FIPS 197 figure 7), in flash. */
const SBOX = hex`
    637c777bf26b6fc53001672bfed7ab76ca82c97dfa5947f0add4a2af9ca472c0
    b7fd9326363ff7cc34a5e5f171d8311504c723c31896059a071280e2eb27b275
    09832c1a1b6e5aa0523bd6b329e32f8453d100ed20fcb15b6acbbe394a4c58cf
    d0efaafb434d338545f9027f503c9fa851a3408f929d38f5bcb6da2110fff3d2
    cd0c13ec5f974417c4a77e3d645d197360814fdc222a908846eeb814de5e0bdb
    e0323a0a4906245cc2d3ac629195e479e7c8376d8dd54ea96c56f4ea657aae08
    ba78252e1ca6b4c6e8dd741f4bbd8b8a703eb5664803f60e613557b986c11d9e
    e1f8981169d98e949b1e87e9ce5528df8ca1890dbfe6426841992d0fb054bb16
`
let encryptionReady = false
let TE0: number[] = []
let TE1: number[] = []
let TE2: number[] = []
let TE3: number[] = []
let decryptionReady = false
let INV_SBOX: Buffer = Buffer.alloc(0)

function xtime(x: number): number {
    return ((x << 1) ^ ((x & 0x80) !== 0 ? 0x11b : 0)) & 0xff
}

function buildEncryptionTables(): void {
    const t0: number[] = []
    const t1: number[] = []
    const t2: number[] = []
    const t3: number[] = []
    for (let i = 0; i < 256; i++) {
        const s = SBOX[i]
        const s2 = xtime(s)
        const t = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)
        t0.push(t | 0)
        t1.push(((t >>> 8) | (t << 24)) | 0)
        t2.push(((t >>> 16) | (t << 16)) | 0)
        t3.push(((t >>> 24) | (t << 8)) | 0)
    }
    TE0 = t0
    TE1 = t1
    TE2 = t2
    TE3 = t3
    encryptionReady = true
}

function buildDecryptionTables(): void {
    const inv = Buffer.alloc(256)
    for (let i = 0; i < 256; i++) inv[SBOX[i]] = i
    INV_SBOX = inv
    decryptionReady = true
}

/**
 * InvMixColumns of one column held big-endian in a word (FIPS 197 5.3.3), without tables: the
 * inverse matrix is MixColumns after b_i = a_i ^ 4(a_i ^ a_i+2), with xtime done on all four
 * bytes at once (inlined: a call costs the VM as much as the arithmetic). Decryption only serves
 * AT_ENCR_DATA (a few blocks per authentication), so it computes instead of holding a 2 KB table
 * at the card's busiest moment.
 */
function invMixColumn(w: number): number {
    let x = w ^ ((w << 16) | (w >>> 16))
    x = ((x & 0x7f7f7f7f) << 1) ^ (((x >>> 7) & 0x01010101) * 0x1b)
    x = ((x & 0x7f7f7f7f) << 1) ^ (((x >>> 7) & 0x01010101) * 0x1b)
    const p = w ^ x
    const r8 = (p << 8) | (p >>> 24)
    let y = p ^ r8
    y = ((y & 0x7f7f7f7f) << 1) ^ (((y >>> 7) & 0x01010101) * 0x1b)
    return (y ^ r8 ^ ((p << 16) | (p >>> 16)) ^ ((p << 24) | (p >>> 8))) | 0
}

/** Expanded AES-128 key: 44 encryption round-key words; decryption words added on first use. */
export interface Aes128Key {
    readonly enc: number[]
    /** Equivalent-inverse-cipher round keys, computed on the first decryption (empty until then). */
    dec: number[]
}

export function aes128ExpandKey(key: Buffer): Aes128Key {
    if (key.length !== 16) throw new RangeError("AES-128 key must be 16 bytes")
    if (!encryptionReady) buildEncryptionTables()
    const S = SBOX
    const rk: number[] = []
    for (let i = 0; i < 4; i++) {
        rk.push(((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) | 0)
    }
    let rcon = 1
    for (let i = 4; i < 44; i++) {
        let t = rk[i - 1]
        if (i % 4 === 0) {
            t = (S[(t >>> 16) & 255] << 24) | (S[(t >>> 8) & 255] << 16) | (S[t & 255] << 8) | S[t >>> 24]
            t ^= rcon << 24
            rcon = xtime(rcon)
        }
        rk.push((rk[i - 4] ^ t) | 0)
    }
    return { enc: rk, dec: [] }
}

/** The state before the last round of aes128EncryptWords. */
const LAST_ROUND_IN: number[] = [0, 0, 0, 0]

/** Encrypts one block given as four big-endian words; the result words go to out[0..3]. */
export function aes128EncryptWords(key: Aes128Key, s0: number, s1: number, s2: number, s3: number, out: number[]): void {
    const rk = key.enc
    const T0 = TE0
    const T1 = TE1
    const T2 = TE2
    const T3 = TE3
    const S = SBOX
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    for (let k = 4; k < 40; k += 4) {
        const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[k]
        const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[k + 1]
        const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[k + 2]
        s3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[k + 3]
        s0 = t0
        s1 = t1
        s2 = t2
    }
    // The last round (no MixColumns), one column per iteration.
    const st = LAST_ROUND_IN
    st[0] = s0
    st[1] = s1
    st[2] = s2
    st[3] = s3
    for (let j = 0; j < 4; j++) {
        out[j] = ((S[st[j] >>> 24] << 24) | (S[(st[(j + 1) & 3] >>> 16) & 255] << 16) | (S[(st[(j + 2) & 3] >>> 8) & 255] << 8) | S[st[(j + 3) & 3] & 255]) ^ rk[40 + j]
    }
}

/** The big-endian word at b[o..o+4). */
export function wordAt(b: Buffer, o: number): number {
    return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]
}

function putWord(b: Buffer, o: number, w: number): void {
    b[o] = (w >>> 24) & 0xff
    b[o + 1] = (w >>> 16) & 0xff
    b[o + 2] = (w >>> 8) & 0xff
    b[o + 3] = w & 0xff
}

const scratch: number[] = [0, 0, 0, 0]

/** Encrypts input[inOff..inOff+16) into output[outOff..outOff+16); input and output may be the same buffer. */
export function aes128EncryptBlock(key: Aes128Key, input: Buffer, inOff: number, output: Buffer, outOff: number): void {
    aes128EncryptWords(key, wordAt(input, inOff), wordAt(input, inOff + 4), wordAt(input, inOff + 8), wordAt(input, inOff + 12), scratch)
    putWord(output, outOff, scratch[0])
    putWord(output, outOff + 4, scratch[1])
    putWord(output, outOff + 8, scratch[2])
    putWord(output, outOff + 12, scratch[3])
}

/** Equivalent inverse cipher key schedule (FIPS 197 5.3.5): reversed round keys, InvMixColumns on rounds 1..9. */
function decryptionKey(key: Aes128Key): number[] {
    if (key.dec.length !== 0) return key.dec
    const enc = key.enc
    const dk: number[] = []
    for (let r = 10; r >= 0; r--) {
        for (let c = 0; c < 4; c++) {
            const w = enc[4 * r + c]
            dk.push(r === 0 || r === 10 ? w : invMixColumn(w))
        }
    }
    key.dec = dk
    return dk
}

export function aes128DecryptBlock(key: Aes128Key, input: Buffer, inOff: number, output: Buffer, outOff: number): void {
    if (!decryptionReady) buildDecryptionTables()
    const dk = decryptionKey(key)
    const IS = INV_SBOX
    let s0 = wordAt(input, inOff) ^ dk[0]
    let s1 = wordAt(input, inOff + 4) ^ dk[1]
    let s2 = wordAt(input, inOff + 8) ^ dk[2]
    let s3 = wordAt(input, inOff + 12) ^ dk[3]
    // Equivalent inverse cipher: InvShiftRows and InvSubBytes per column, then InvMixColumns
    // (rounds 1 to 9; the last round has none).
    for (let k = 4; k < 44; k += 4) {
        let t0 = (IS[s0 >>> 24] << 24) | (IS[(s3 >>> 16) & 255] << 16) | (IS[(s2 >>> 8) & 255] << 8) | IS[s1 & 255]
        let t1 = (IS[s1 >>> 24] << 24) | (IS[(s0 >>> 16) & 255] << 16) | (IS[(s3 >>> 8) & 255] << 8) | IS[s2 & 255]
        let t2 = (IS[s2 >>> 24] << 24) | (IS[(s1 >>> 16) & 255] << 16) | (IS[(s0 >>> 8) & 255] << 8) | IS[s3 & 255]
        let t3 = (IS[s3 >>> 24] << 24) | (IS[(s2 >>> 16) & 255] << 16) | (IS[(s1 >>> 8) & 255] << 8) | IS[s0 & 255]
        if (k < 40) {
            t0 = invMixColumn(t0)
            t1 = invMixColumn(t1)
            t2 = invMixColumn(t2)
            t3 = invMixColumn(t3)
        }
        s0 = t0 ^ dk[k]
        s1 = t1 ^ dk[k + 1]
        s2 = t2 ^ dk[k + 2]
        s3 = t3 ^ dk[k + 3]
    }
    putWord(output, outOff, s0)
    putWord(output, outOff + 4, s1)
    putWord(output, outOff + 8, s2)
    putWord(output, outOff + 12, s3)
}
