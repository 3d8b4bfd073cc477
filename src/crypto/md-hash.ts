// The Merkle-Damgard framing that SHA-1 and MD5 share: buffering into 64-byte blocks, the
// 0x80 pad, the 64-bit bit length (big-endian for SHA-1, little-endian for MD5), and an
// incremental API that can resume from a precomputed state, and the HMAC (RFC 2104) key pads
// computed once per key.

import { copyOf } from "../bytes"

/** Compresses block[off..off+64) into the state h, in place. */
export type Compress = (h: number[], block: Buffer, off: number) => void

export function writeWord(b: Buffer, off: number, v: number, littleEndian: boolean): void {
    for (let i = 0; i < 4; i++) b[off + (littleEndian ? i : 3 - i)] = (v >>> (8 * i)) & 0xff
}

/**
 * Feeds data into the partial block buf, which holds `used` bytes, compressing every full block
 * into h; returns how many bytes buf holds after.
 */
export function mdFeed(compress: Compress, h: number[], buf: Buffer, used: number, data: Buffer): number {
    let i = 0
    const n = data.length
    if (used > 0) {
        while (i < n && used < 64) buf[used++] = data[i++]
        if (used < 64) return used
        compress(h, buf, 0)
        used = 0
    }
    while (n - i >= 64) {
        compress(h, data, i)
        i += 64
    }
    while (i < n) buf[used++] = data[i++]
    return used
}

/**
 * The last block(s): the 0x80 pad, zeros, and the bit length of `total` bytes of input as a
 * 64-bit word. h then holds the digest.
 */
export function mdFinish(compress: Compress, littleEndian: boolean, h: number[], buf: Buffer, used: number, total: number): void {
    const bits = total * 8
    buf[used++] = 0x80
    if (used > 56) {
        while (used < 64) buf[used++] = 0
        compress(h, buf, 0)
        used = 0
    }
    while (used < 56) buf[used++] = 0
    const high = Math.floor(bits / 0x100000000)
    const low = bits >>> 0
    writeWord(buf, 56, littleEndian ? low : high, littleEndian)
    writeWord(buf, 60, littleEndian ? high : low, littleEndian)
    compress(h, buf, 0)
}

export class MdHash {
    private h: number[]
    private buf = Buffer.alloc(64)
    private used = 0
    private total: number

    constructor(
        private readonly compress: Compress,
        private readonly littleEndian: boolean,
        private readonly sliceBytes: number,
        initial: number[],
        prefixBytes: number,
    ) {
        this.h = initial.slice(0)
        this.total = prefixBytes
    }

    update(data: Buffer): MdHash {
        this.total += data.length
        this.used = mdFeed(this.compress, this.h, this.buf, this.used, data)
        return this
    }

    /** update() in chunks of sliceBytes with a yield after each, for inputs of any length. */
    async updateAsync(data: Buffer, yieldSlice: () => Promise<void>): Promise<MdHash> {
        const step = this.sliceBytes
        for (let o = 0; o < data.length; o += step) {
            this.update(o === 0 && data.length <= step ? data : copyOf(data, o, Math.min(o + step, data.length)))
            await yieldSlice()
        }
        return this
    }

    digest(): Buffer {
        mdFinish(this.compress, this.littleEndian, this.h, this.buf, this.used, this.total)
        const out = Buffer.alloc(4 * this.h.length)
        for (let i = 0; i < this.h.length; i++) writeWord(out, 4 * i, this.h[i], this.littleEndian)
        return out
    }
}

/** HMAC's state after the key's inner pad and after its outer pad (one compression each). */
export interface HmacPads {
    readonly inner: number[]
    readonly outer: number[]
}

/** The pad states of `key` (at most one 64-byte block: a longer key is hashed first by the caller). */
export function hmacPads(compress: Compress, initial: number[], key: Buffer): HmacPads {
    const pad = Buffer.alloc(64)
    for (let i = 0; i < 64; i++) pad[i] = (i < key.length ? key[i] : 0) ^ 0x36
    const inner = initial.slice(0)
    compress(inner, pad, 0)
    for (let i = 0; i < 64; i++) pad[i] ^= 0x36 ^ 0x5c
    const outer = initial.slice(0)
    compress(outer, pad, 0)
    return { inner: inner, outer: outer }
}
