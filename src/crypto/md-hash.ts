// The Merkle-Damgard framing that SHA-1 and MD5 share: buffering into 64-byte blocks, the
// 0x80 pad, the 64-bit bit length (big-endian for SHA-1, little-endian for MD5), and an
// incremental API that can resume from a precomputed state (HMAC key pads).

import { copyOf } from "../bytes"

/** Compresses block[off..off+64) into the state h, in place. */
export type Compress = (h: number[], block: Buffer, off: number) => void

function writeWord(b: Buffer, off: number, v: number, littleEndian: boolean): void {
    for (let i = 0; i < 4; i++) b[off + (littleEndian ? i : 3 - i)] = (v >>> (8 * i)) & 0xff
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
        let i = 0
        const n = data.length
        this.total += n
        if (this.used > 0) {
            while (i < n && this.used < 64) this.buf[this.used++] = data[i++]
            if (this.used < 64) return this
            this.compress(this.h, this.buf, 0)
            this.used = 0
        }
        while (n - i >= 64) {
            this.compress(this.h, data, i)
            i += 64
        }
        while (i < n) this.buf[this.used++] = data[i++]
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
        const buf = this.buf
        const bits = this.total * 8
        buf[this.used++] = 0x80
        if (this.used > 56) {
            while (this.used < 64) buf[this.used++] = 0
            this.compress(this.h, buf, 0)
            this.used = 0
        }
        while (this.used < 56) buf[this.used++] = 0
        const high = Math.floor(bits / 0x100000000)
        const low = bits >>> 0
        writeWord(buf, 56, this.littleEndian ? low : high, this.littleEndian)
        writeWord(buf, 60, this.littleEndian ? high : low, this.littleEndian)
        this.compress(this.h, buf, 0)
        const out = Buffer.alloc(4 * this.h.length)
        for (let i = 0; i < this.h.length; i++) writeWord(out, 4 * i, this.h[i], this.littleEndian)
        return out
    }
}
