// MD5 (RFC 1321) in bytecode: DeviceScript has no native MD5, and RADIUS needs it for the
// Response Authenticator (RFC 2865 section 3), User-Password hiding (section 5.2) and, through
// HMAC-MD5, the Message-Authenticator (RFC 3579 section 3.2). MD5 is used here only because those
// protocols require it.
//
// Same shape as sha1.ts: the compression works in place on a caller-owned four-word state with
// one reused 16-word block buffer, so hashing allocates nothing per block (the ESP32 heap is
// small), and its 64 steps are unrolled with their constants inline, so the module keeps no
// table in the heap (about 3,000 VM steps per block). md5() and the HMAC refuse inputs over
// MAX_SYNC_BYTES so that one call fits one VM slice; longer messages go through Md5.updateAsync,
// which yields between chunks of SLICE_BYTES.

import { MdHash, mdFeed, mdFinish, writeWord } from "./md-hash"

/** Largest input md5()/hmacMd5() accept in one synchronous call (one VM slice). */
export const MAX_SYNC_BYTES = 1024

/** Bytes hashed between two yields by updateAsync. */
export const SLICE_BYTES = 1024

/** The 16 little-endian words of the block, reused by every compression (no allocation per block). */
const W: number[] = []
for (let i = 0; i < 16; i++) W.push(0)

export function md5InitialState(): number[] {
    return [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]
}

/**
 * The MD5 compression function on block[off..off+64), updating h in place. The 64 steps of
 * RFC 1321 section 3.4 are written out with the sine-table constants T[i] as literals (signed
 * 32-bit) and the message-word order inlined: no table lives in the GC heap, and no step reads
 * one. The working variables rotate roles (a, d, c, b) instead of being shuffled.
 */
export function md5Compress(h: number[], block: Buffer, off: number): void {
    const w = W
    for (let i = 0; i < 16; i++) {
        const o = off + 4 * i
        w[i] = block[o] | (block[o + 1] << 8) | (block[o + 2] << 16) | (block[o + 3] << 24)
    }
    let a = h[0]
    let b = h[1]
    let c = h[2]
    let d = h[3]
    let t = 0
    // Round 1: F(x, y, z) = (x & y) | (~x & z), written z ^ (x & (y ^ z))
    t = (a + (d ^ (b & (c ^ d))) + w[0] + -0x28955b88) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + (c ^ (a & (b ^ c))) + w[1] + -0x173848aa) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + (b ^ (d & (a ^ b))) + w[2] + 0x242070db) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + (a ^ (c & (d ^ a))) + w[3] + -0x3e423112) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + (d ^ (b & (c ^ d))) + w[4] + -0x0a83f051) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + (c ^ (a & (b ^ c))) + w[5] + 0x4787c62a) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + (b ^ (d & (a ^ b))) + w[6] + -0x57cfb9ed) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + (a ^ (c & (d ^ a))) + w[7] + -0x02b96aff) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + (d ^ (b & (c ^ d))) + w[8] + 0x698098d8) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + (c ^ (a & (b ^ c))) + w[9] + -0x74bb0851) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + (b ^ (d & (a ^ b))) + w[10] + -0x0000a44f) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + (a ^ (c & (d ^ a))) + w[11] + -0x76a32842) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + (d ^ (b & (c ^ d))) + w[12] + 0x6b901122) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + (c ^ (a & (b ^ c))) + w[13] + -0x02678e6d) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + (b ^ (d & (a ^ b))) + w[14] + -0x5986bc72) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + (a ^ (c & (d ^ a))) + w[15] + 0x49b40821) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    // Round 2: G(x, y, z) = (x & z) | (y & ~z), written y ^ (z & (x ^ y))
    t = (a + (c ^ (d & (b ^ c))) + w[1] + -0x09e1da9e) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + (b ^ (c & (a ^ b))) + w[6] + -0x3fbf4cc0) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + (a ^ (b & (d ^ a))) + w[11] + 0x265e5a51) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + (d ^ (a & (c ^ d))) + w[0] + -0x16493856) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + (c ^ (d & (b ^ c))) + w[5] + -0x29d0efa3) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + (b ^ (c & (a ^ b))) + w[10] + 0x02441453) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + (a ^ (b & (d ^ a))) + w[15] + -0x275e197f) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + (d ^ (a & (c ^ d))) + w[4] + -0x182c0438) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + (c ^ (d & (b ^ c))) + w[9] + 0x21e1cde6) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + (b ^ (c & (a ^ b))) + w[14] + -0x3cc8f82a) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + (a ^ (b & (d ^ a))) + w[3] + -0x0b2af279) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + (d ^ (a & (c ^ d))) + w[8] + 0x455a14ed) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + (c ^ (d & (b ^ c))) + w[13] + -0x561c16fb) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + (b ^ (c & (a ^ b))) + w[2] + -0x03105c08) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + (a ^ (b & (d ^ a))) + w[7] + 0x676f02d9) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + (d ^ (a & (c ^ d))) + w[12] + -0x72d5b376) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    // Round 3: H(x, y, z) = x ^ y ^ z
    t = (a + (b ^ c ^ d) + w[5] + -0x0005c6be) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + w[8] + -0x788e097f) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + w[11] + 0x6d9d6122) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + w[14] + -0x021ac7f4) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + w[1] + -0x5b4115bc) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + w[4] + 0x4bdecfa9) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + w[7] + -0x0944b4a0) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + w[10] + -0x41404390) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + w[13] + 0x289b7ec6) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + w[0] + -0x155ed806) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + w[3] + -0x2b10cf7b) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + w[6] + 0x04881d05) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + w[9] + -0x262b2fc7) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + w[12] + -0x1924661b) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + w[15] + 0x1fa27cf8) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + w[2] + -0x3b53a99b) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    // Round 4: I(x, y, z) = y ^ (x | ~z)
    t = (a + (c ^ (b | ~d)) + w[0] + -0x0bd6ddbc) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + w[7] + 0x432aff97) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + w[14] + -0x546bdc59) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + w[5] + -0x036c5fc7) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + w[12] + 0x655b59c3) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + w[3] + -0x70f3336e) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + w[10] + -0x00100b83) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + w[1] + -0x7a7ba22f) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + w[8] + 0x6fa87e4f) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + w[15] + -0x01d31920) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + w[6] + -0x5cfebcec) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + w[13] + 0x4e0811a1) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + w[4] + -0x08ac817e) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + w[11] + -0x42c50dcb) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + w[2] + 0x2ad7d2bb) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + w[9] + -0x14792c6f) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    h[0] = (h[0] + a) | 0
    h[1] = (h[1] + b) | 0
    h[2] = (h[2] + c) | 0
    h[3] = (h[3] + d) | 0
}


/** Incremental MD5; `prefixBytes` lets HMAC resume from a precomputed key-pad state. */
export class Md5 extends MdHash {
    constructor(state?: number[], prefixBytes?: number) {
        super(md5Compress, true, SLICE_BYTES, state ? state : md5InitialState(), prefixBytes ? prefixBytes : 0)
    }
}

/** The partial block of a one-call hash, reused by every call (single-threaded, no await inside). */
const BLOCK = Buffer.alloc(64)

/**
 * Hashes the parts into h, which already holds `prefixBytes` of compressed input (0 for a plain
 * hash, 64 after an HMAC pad), padding included: h then holds the digest. The one-call path of
 * md5Parts and hmacMd5WithKey: no hash object and no buffer per call (a RADIUS server signs and
 * verifies every packet). At most MAX_SYNC_BYTES in all (one VM slice).
 */
export function md5Absorb(h: number[], prefixBytes: number, parts: Buffer[]): void {
    let used = 0
    let total = prefixBytes
    for (let k = 0; k < parts.length; k++) {
        total += parts[k].length
        if (total - prefixBytes > MAX_SYNC_BYTES) throw new RangeError("md5: input over " + MAX_SYNC_BYTES + " bytes; use Md5.updateAsync")
        used = mdFeed(md5Compress, h, BLOCK, used, parts[k])
    }
    mdFinish(md5Compress, true, h, BLOCK, used, total)
}

/** Writes the 16-byte digest of the state h into out. */
export function md5WriteDigest(h: number[], out: Buffer): void {
    for (let i = 0; i < 4; i++) writeWord(out, 4 * i, h[i], true)
}

/** The 16-byte digest of the state h. */
export function md5Digest(h: number[]): Buffer {
    const out = Buffer.alloc(16)
    md5WriteDigest(h, out)
    return out
}

export function md5(data: Buffer): Buffer {
    return md5Parts([data])
}

/** MD5 of the concatenation of parts (no intermediate copy), at most MAX_SYNC_BYTES in all. */
export function md5Parts(parts: Buffer[]): Buffer {
    const h = md5InitialState()
    md5Absorb(h, 0, parts)
    return md5Digest(h)
}

/** MD5 of the concatenation of parts of any total length, yielding between slices. */
export async function md5PartsAsync(parts: Buffer[], yieldSlice: () => Promise<void>): Promise<Buffer> {
    const h = new Md5()
    for (let i = 0; i < parts.length; i++) await h.updateAsync(parts[i], yieldSlice)
    return h.digest()
}
