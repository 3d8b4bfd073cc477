// SHA-1 (FIPS 180-4) in bytecode: DeviceScript has no native SHA-1, and EAP-AKA needs it for
// MK, the FIPS 186-2 PRF and HMAC-SHA1 (AT_MAC).
//
// The compression function works in place on a caller-owned five-word state with one reused
// 16-word schedule, so hashing allocates nothing per block (the ESP32 heap is small).
// One compression is about 7,000 VM steps, so one 128K-step VM slice holds about 17 of them:
// sha1() and hmacSha1() refuse inputs over MAX_SYNC_BYTES, and longer messages go through
// Sha1.updateAsync, which yields between chunks of SLICE_BYTES.

import { MdHash } from "./md-hash"

/** Largest input sha1()/hmacSha1() accept in one synchronous call (about 11 compressions with HMAC's). */
export const MAX_SYNC_BYTES = 512

/** Bytes hashed between two yields by updateAsync. */
export const SLICE_BYTES = 512

/** The 80-word message schedule, reused by every compression (no allocation per block). */
const W: number[] = []
for (let i = 0; i < 80; i++) W.push(0)

export function sha1InitialState(): number[] {
    return [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]
}

/**
 * The SHA-1 compression function on block[off..off+64), updating h in place (FIPS 186-2's G uses
 * it raw). The rounds are the straightforward loops of FIPS 180-4 6.1.2: unrolling them by five
 * (so the working variables rotate roles instead of being shuffled) takes fewer VM steps but
 * costs the card 1 KB of bytecode, and only EAP-AKA (not EAP-AKA') hashes with SHA-1.
 */
export function sha1Compress(h: number[], block: Buffer, off: number): void {
    const w = W
    for (let i = 0; i < 16; i++) {
        const o = off + 4 * i
        w[i] = (block[o] << 24) | (block[o + 1] << 16) | (block[o + 2] << 8) | block[o + 3]
    }
    for (let i = 16; i < 80; i++) {
        const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
        w[i] = (x << 1) | (x >>> 31)
    }
    let a = h[0]
    let b = h[1]
    let c = h[2]
    let d = h[3]
    let e = h[4]
    // One loop per round function (Ch, parity, Maj, parity), one round per iteration.
    for (let i = 0; i < 20; i++) {
        const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w[i] + 0x5a827999) | 0
        e = d
        d = c
        c = (b << 30) | (b >>> 2)
        b = a
        a = t
    }
    for (let i = 20; i < 40; i++) {
        const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[i] + 0x6ed9eba1) | 0
        e = d
        d = c
        c = (b << 30) | (b >>> 2)
        b = a
        a = t
    }
    for (let i = 40; i < 60; i++) {
        const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w[i] - 0x70e44324) | 0
        e = d
        d = c
        c = (b << 30) | (b >>> 2)
        b = a
        a = t
    }
    for (let i = 60; i < 80; i++) {
        const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[i] - 0x359d3e2a) | 0
        e = d
        d = c
        c = (b << 30) | (b >>> 2)
        b = a
        a = t
    }
    h[0] = (h[0] + a) | 0
    h[1] = (h[1] + b) | 0
    h[2] = (h[2] + c) | 0
    h[3] = (h[3] + d) | 0
    h[4] = (h[4] + e) | 0
}

/** Incremental SHA-1; `prefixBytes` lets HMAC resume from a precomputed key-pad state. */
export class Sha1 extends MdHash {
    constructor(state?: number[], prefixBytes?: number) {
        super(sha1Compress, false, SLICE_BYTES, state ? state : sha1InitialState(), prefixBytes ? prefixBytes : 0)
    }
}

export function sha1(data: Buffer): Buffer {
    if (data.length > MAX_SYNC_BYTES) throw new RangeError("sha1: input over " + MAX_SYNC_BYTES + " bytes; use Sha1.update in slices")
    return new Sha1().update(data).digest()
}

/** SHA-1 of the concatenation of parts (no intermediate copy). */
export function sha1Parts(parts: Buffer[]): Buffer {
    const h = new Sha1()
    let n = 0
    for (let i = 0; i < parts.length; i++) {
        n += parts[i].length
        if (n > MAX_SYNC_BYTES) throw new RangeError("sha1: input over " + MAX_SYNC_BYTES + " bytes")
        h.update(parts[i])
    }
    return h.digest()
}
