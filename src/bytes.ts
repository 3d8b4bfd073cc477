// Byte helpers that behave the same on Node's Buffer and on the DeviceScript Buffer.
// Only the API the two share is used: alloc, from(hex|utf8|array), index access, length,
// set(), slice() (read-only use: it copies on DeviceScript but aliases on Node) and toString.

export function fromHex(hex: string): Buffer {
    if (hex.length % 2 !== 0) throw new RangeError("odd hex length")
    return Buffer.from(hex, "hex")
}

export function toHex(b: Buffer): string {
    return b.toString("hex")
}

/** "4a" for one byte (DeviceScript numbers have no toString(16)). */
export function hexOfByte(b: number): string {
    const one = Buffer.alloc(1)
    one[0] = b & 0xff
    return toHex(one)
}

/** n fresh zero bytes for a message, a key stream or a copy to be built in. */
export function zeroBytes(n: number): Buffer {
    return Buffer.alloc(n)
}

export function fromUtf8(s: string): Buffer {
    return Buffer.from(s, "utf8")
}

/**
 * A fresh copy of `b[from..to)` that never aliases `b` (Node's slice aliases, DeviceScript's
 * copies). Native copies on both sides: a byte loop costs about 10 VM steps per byte.
 */
export function copyOf(b: Buffer, from = 0, to = b.length): Buffer {
    if (from < 0 || to > b.length || from > to) throw new RangeError("copyOf out of range")
    const out = zeroBytes(to - from)
    out.set(b.slice(from, to), 0)
    return out
}

/**
 * b[from..to) for reading only: a view on Node (b.slice aliases), a copy on DeviceScript (its slice
 * copies natively). Decoders hand out their fields this way: a received packet is never written to,
 * and a view costs one object where a copy costs two and a copy loop.
 */
export function readOnlyView(b: Buffer, from: number, to: number): Buffer {
    if (from < 0 || to > b.length || from > to) throw new RangeError("readOnlyView out of range")
    return b.slice(from, to)
}

/** The UTF-8 text in b[from..from+len). */
export function utf8At(b: Buffer, from: number, len: number): string {
    return copyOf(b, from, from + len).toString("utf8")
}

export function concat(parts: Buffer[]): Buffer {
    let n = 0
    for (let i = 0; i < parts.length; i++) n += parts[i].length
    const out = zeroBytes(n)
    let o = 0
    for (let i = 0; i < parts.length; i++) {
        out.set(parts[i], o)
        o += parts[i].length
    }
    return out
}

export function xor(a: Buffer, b: Buffer): Buffer {
    if (a.length !== b.length) throw new RangeError("xor of unequal lengths")
    const out = Buffer.alloc(a.length)
    for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
    return out
}

/** Compares two buffers in time that depends only on their lengths (for MACs, RES, PIN verifiers). */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
    if (a.length !== b.length) return false
    let diff = 0
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
    return diff === 0
}

/** Unsigned big-endian 32-bit read (DeviceScript's readUInt32BE returns a signed value). */
export function readU32BE(b: Buffer, off: number): number {
    return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0
}

export function writeU32BE(b: Buffer, off: number, v: number): void {
    b[off] = (v >>> 24) & 0xff
    b[off + 1] = (v >>> 16) & 0xff
    b[off + 2] = (v >>> 8) & 0xff
    b[off + 3] = v & 0xff
}

export function readU16BE(b: Buffer, off: number): number {
    return (b[off] << 8) | b[off + 1]
}

export function writeU16BE(b: Buffer, off: number, v: number): void {
    b[off] = (v >>> 8) & 0xff
    b[off + 1] = v & 0xff
}

/** Big-endian unsigned integer of up to 6 bytes (48 bits: SQN), exact in a double. */
export function readUIntBE(b: Buffer, off: number, len: number): number {
    let v = 0
    for (let i = 0; i < len; i++) v = v * 256 + b[off + i]
    return v
}

export function writeUIntBE(b: Buffer, off: number, len: number, v: number): void {
    for (let i = len - 1; i >= 0; i--) {
        const q = Math.floor(v / 256)
        b[off + i] = v - q * 256 // not `v % 256`: the VM's % truncates to 32 bits first
        v = q
    }
}

export function uintToBytes(v: number, len: number): Buffer {
    const out = Buffer.alloc(len)
    writeUIntBE(out, 0, len, v)
    return out
}

/**
 * The bytes of a hex`...` literal. The DeviceScript compiler turns every template tagged `hex`
 * into a buffer literal in the program image (flash, outside the GC heap) and never calls this;
 * Node calls it, once per literal. Whitespace in the literal is ignored.
 *
 * Tables read word by word use `getAt(offset, "i32")`: on DeviceScript a builtin that compiles to
 * one opcode when the receiver is typed Buffer (four byte reads take about six times the steps).
 * Node's Buffer has no getAt, so each literal made here gets its own, reading the same
 * little-endian signed word (sim/node-buffer-getat.d.ts declares it for Node's type check).
 */
export function hex(strings: TemplateStringsArray): Buffer {
    const parts = strings as unknown as string[]
    const bytes = Buffer.from(parts[0].split(" ").join("").split("\n").join(""), "hex")
    return Object.assign(bytes, { getAt: (offset: number) => bytes.readUInt32LE(offset) | 0 })
}
