// AES-128 (FIPS 197), tuned for the DeviceScript bytecode interpreter.
//
// Encryption is the hot path (Milenage runs six blocks per authentication), so it uses four
// 32-bit T-tables and a fully unrolled round sequence over 32-bit words: no byte packing between
// blocks, no loop counters, table references held in locals. Measured in the VM this is about
// 1.3x faster than a plain looped byte-in/byte-out T-table AES (see `npm run bench`).
// The tables cost about 8 KB of GC heap (a VM array slot is 8 bytes); they are built on the first
// key expansion so firmware that never uses AES never pays for them.
//
// Decryption is only needed for AT_ENCR_DATA (a few blocks per authentication), so it holds no
// T-table: InvMixColumns is computed on words, and only the 256-byte inverse S-box is kept.

let encryptionReady = false
let SBOX: Buffer = Buffer.alloc(0)
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
    // S-box from the multiplicative inverse in GF(2^8) and the affine map (FIPS 197 5.1.1).
    // Byte-sized scratch tables in Buffers: number arrays cost 8 bytes a slot in the VM, and these
    // live at the same time as the four T-tables, which sets the card's peak heap.
    const exp = Buffer.alloc(256)
    const log = Buffer.alloc(256)
    let x = 1
    for (let i = 0; i < 255; i++) {
        exp[i] = x
        log[x] = i
        x ^= xtime(x)
    }
    const sbox = Buffer.alloc(256)
    for (let i = 0; i < 256; i++) {
        const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255]
        let s = inv
        let r = inv
        for (let j = 0; j < 4; j++) {
            r = ((r << 1) | (r >> 7)) & 0xff
            s ^= r
        }
        sbox[i] = s ^ 0x63
    }
    const t0: number[] = []
    const t1: number[] = []
    const t2: number[] = []
    const t3: number[] = []
    for (let i = 0; i < 256; i++) {
        const s = sbox[i]
        const s2 = xtime(s)
        const t = (s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)
        t0.push(t | 0)
        t1.push(((t >>> 8) | (t << 24)) | 0)
        t2.push(((t >>> 16) | (t << 16)) | 0)
        t3.push(((t >>> 24) | (t << 8)) | 0)
    }
    SBOX = sbox
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

/** Encrypts one block given as four big-endian words; the result words go to out[0..3]. */
export function aes128EncryptWords(key: Aes128Key, s0: number, s1: number, s2: number, s3: number, out: number[]): void {
    const rk = key.enc
    const T0 = TE0
    const T1 = TE1
    const T2 = TE2
    const T3 = TE3
    const S = SBOX
    let t0 = s0 ^ rk[0]
    let t1 = s1 ^ rk[1]
    let t2 = s2 ^ rk[2]
    let t3 = s3 ^ rk[3]
    s0 = T0[t0 >>> 24] ^ T1[(t1 >>> 16) & 255] ^ T2[(t2 >>> 8) & 255] ^ T3[t3 & 255] ^ rk[4]
    s1 = T0[t1 >>> 24] ^ T1[(t2 >>> 16) & 255] ^ T2[(t3 >>> 8) & 255] ^ T3[t0 & 255] ^ rk[5]
    s2 = T0[t2 >>> 24] ^ T1[(t3 >>> 16) & 255] ^ T2[(t0 >>> 8) & 255] ^ T3[t1 & 255] ^ rk[6]
    s3 = T0[t3 >>> 24] ^ T1[(t0 >>> 16) & 255] ^ T2[(t1 >>> 8) & 255] ^ T3[t2 & 255] ^ rk[7]
    t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[8]
    t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[9]
    t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[10]
    t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[11]
    s0 = T0[t0 >>> 24] ^ T1[(t1 >>> 16) & 255] ^ T2[(t2 >>> 8) & 255] ^ T3[t3 & 255] ^ rk[12]
    s1 = T0[t1 >>> 24] ^ T1[(t2 >>> 16) & 255] ^ T2[(t3 >>> 8) & 255] ^ T3[t0 & 255] ^ rk[13]
    s2 = T0[t2 >>> 24] ^ T1[(t3 >>> 16) & 255] ^ T2[(t0 >>> 8) & 255] ^ T3[t1 & 255] ^ rk[14]
    s3 = T0[t3 >>> 24] ^ T1[(t0 >>> 16) & 255] ^ T2[(t1 >>> 8) & 255] ^ T3[t2 & 255] ^ rk[15]
    t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[16]
    t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[17]
    t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[18]
    t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[19]
    s0 = T0[t0 >>> 24] ^ T1[(t1 >>> 16) & 255] ^ T2[(t2 >>> 8) & 255] ^ T3[t3 & 255] ^ rk[20]
    s1 = T0[t1 >>> 24] ^ T1[(t2 >>> 16) & 255] ^ T2[(t3 >>> 8) & 255] ^ T3[t0 & 255] ^ rk[21]
    s2 = T0[t2 >>> 24] ^ T1[(t3 >>> 16) & 255] ^ T2[(t0 >>> 8) & 255] ^ T3[t1 & 255] ^ rk[22]
    s3 = T0[t3 >>> 24] ^ T1[(t0 >>> 16) & 255] ^ T2[(t1 >>> 8) & 255] ^ T3[t2 & 255] ^ rk[23]
    t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[24]
    t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[25]
    t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[26]
    t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[27]
    s0 = T0[t0 >>> 24] ^ T1[(t1 >>> 16) & 255] ^ T2[(t2 >>> 8) & 255] ^ T3[t3 & 255] ^ rk[28]
    s1 = T0[t1 >>> 24] ^ T1[(t2 >>> 16) & 255] ^ T2[(t3 >>> 8) & 255] ^ T3[t0 & 255] ^ rk[29]
    s2 = T0[t2 >>> 24] ^ T1[(t3 >>> 16) & 255] ^ T2[(t0 >>> 8) & 255] ^ T3[t1 & 255] ^ rk[30]
    s3 = T0[t3 >>> 24] ^ T1[(t0 >>> 16) & 255] ^ T2[(t1 >>> 8) & 255] ^ T3[t2 & 255] ^ rk[31]
    t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 255] ^ T2[(s2 >>> 8) & 255] ^ T3[s3 & 255] ^ rk[32]
    t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 255] ^ T2[(s3 >>> 8) & 255] ^ T3[s0 & 255] ^ rk[33]
    t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 255] ^ T2[(s0 >>> 8) & 255] ^ T3[s1 & 255] ^ rk[34]
    t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 255] ^ T2[(s1 >>> 8) & 255] ^ T3[s2 & 255] ^ rk[35]
    s0 = T0[t0 >>> 24] ^ T1[(t1 >>> 16) & 255] ^ T2[(t2 >>> 8) & 255] ^ T3[t3 & 255] ^ rk[36]
    s1 = T0[t1 >>> 24] ^ T1[(t2 >>> 16) & 255] ^ T2[(t3 >>> 8) & 255] ^ T3[t0 & 255] ^ rk[37]
    s2 = T0[t2 >>> 24] ^ T1[(t3 >>> 16) & 255] ^ T2[(t0 >>> 8) & 255] ^ T3[t1 & 255] ^ rk[38]
    s3 = T0[t3 >>> 24] ^ T1[(t0 >>> 16) & 255] ^ T2[(t1 >>> 8) & 255] ^ T3[t2 & 255] ^ rk[39]
    out[0] = ((S[s0 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) | S[s3 & 255]) ^ rk[40]
    out[1] = ((S[s1 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) | S[s0 & 255]) ^ rk[41]
    out[2] = ((S[s2 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) | S[s1 & 255]) ^ rk[42]
    out[3] = ((S[s3 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) | S[s2 & 255]) ^ rk[43]
}

function wordAt(b: Buffer, o: number): number {
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
    // Equivalent inverse cipher: InvShiftRows and InvSubBytes per column, then InvMixColumns.
    let k = 4
    for (let r = 1; r < 10; r++) {
        const t0 = invMixColumn((IS[s0 >>> 24] << 24) | (IS[(s3 >>> 16) & 255] << 16) | (IS[(s2 >>> 8) & 255] << 8) | IS[s1 & 255]) ^ dk[k]
        const t1 = invMixColumn((IS[s1 >>> 24] << 24) | (IS[(s0 >>> 16) & 255] << 16) | (IS[(s3 >>> 8) & 255] << 8) | IS[s2 & 255]) ^ dk[k + 1]
        const t2 = invMixColumn((IS[s2 >>> 24] << 24) | (IS[(s1 >>> 16) & 255] << 16) | (IS[(s0 >>> 8) & 255] << 8) | IS[s3 & 255]) ^ dk[k + 2]
        const t3 = invMixColumn((IS[s3 >>> 24] << 24) | (IS[(s2 >>> 16) & 255] << 16) | (IS[(s1 >>> 8) & 255] << 8) | IS[s0 & 255]) ^ dk[k + 3]
        s0 = t0
        s1 = t1
        s2 = t2
        s3 = t3
        k += 4
    }

    putWord(output, outOff, ((IS[s0 >>> 24] << 24) | (IS[(s3 >>> 16) & 255] << 16) | (IS[(s2 >>> 8) & 255] << 8) | IS[s1 & 255]) ^ dk[40])
    putWord(output, outOff + 4, ((IS[s1 >>> 24] << 24) | (IS[(s0 >>> 16) & 255] << 16) | (IS[(s3 >>> 8) & 255] << 8) | IS[s2 & 255]) ^ dk[41])
    putWord(output, outOff + 8, ((IS[s2 >>> 24] << 24) | (IS[(s1 >>> 16) & 255] << 16) | (IS[(s0 >>> 8) & 255] << 8) | IS[s3 & 255]) ^ dk[42])
    putWord(output, outOff + 12, ((IS[s3 >>> 24] << 24) | (IS[(s2 >>> 16) & 255] << 16) | (IS[(s1 >>> 8) & 255] << 8) | IS[s0 & 255]) ^ dk[43])
}
