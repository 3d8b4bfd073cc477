// Frames: the unit of atomicity on disk. Every write() of the journal is exactly one frame, and the
// next write starts only after that one is fsync'd. A crash can therefore damage only the last
// frame of the last journal (and that frame was never acknowledged); a damaged frame followed by a
// valid one is real corruption, never a torn write.
//
// Layout, little-endian:  magic u32 | fileId u32 | length u32 | crc32 u32 | payload (UTF-8 JSON)
// The CRC covers the first 12 header bytes and the payload. fileId is the journal's generation, so
// stale blocks of an older journal that reappear after a crash never pass as frames of this one.
// Each magic starts with 0xF8, a byte that never occurs in UTF-8, so a payload cannot contain one.

import { crc32 } from "./crc32"

export const HEADER_BYTES = 16
export const JOURNAL_MAGIC = 0x4a4341f8 // bytes F8 'A' 'C' 'J'
export const SNAPSHOT_MAGIC = 0x534341f8 // bytes F8 'A' 'C' 'S'
/** Larger than any frame the store writes; a bigger length field is damage. */
export const MAX_FRAME_BYTES = 1 << 30

export function encodeFrame(magic: number, fileId: number, payload: string): Buffer {
    const length = Buffer.byteLength(payload, "utf8")
    if (length > MAX_FRAME_BYTES) throw new RangeError(`store: frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`)
    const frame = Buffer.allocUnsafe(HEADER_BYTES + length)
    frame.writeUInt32LE(magic, 0)
    frame.writeUInt32LE(fileId >>> 0, 4)
    frame.writeUInt32LE(length, 8)
    frame.write(payload, HEADER_BYTES, length, "utf8")
    frame.writeUInt32LE(frameCrc(frame, 0, length), 12)
    return frame
}

function frameCrc(buf: Buffer, offset: number, length: number): number {
    const head = crc32(buf.subarray(offset, offset + 12))
    return crc32(buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length), head)
}

export interface Frame {
    offset: number
    payload: Buffer
}

export interface Scan {
    frames: Frame[]
    /** Where the valid frames end: the file's length when nothing is damaged. */
    end: number
    /** The first damaged frame, if any. */
    damage?: { offset: number; reason: string }
}

/** Why the bytes at offset are not a valid frame, or undefined when they are. */
function checkFrame(buf: Buffer, offset: number, magic: number, fileId: number): string | undefined {
    const left = buf.length - offset
    if (left < HEADER_BYTES) return `partial frame header (${left} of ${HEADER_BYTES} bytes)`
    if (buf.readUInt32LE(offset) !== magic) return "no frame marker"
    if (buf.readUInt32LE(offset + 4) !== fileId >>> 0) return "frame belongs to another file"
    const length = buf.readUInt32LE(offset + 8)
    if (length > MAX_FRAME_BYTES || length > left - HEADER_BYTES) return `frame of ${length} bytes runs past the end of the file`
    if (buf.readUInt32LE(offset + 12) !== frameCrc(buf, offset, length)) return "checksum mismatch"
    return undefined
}

/** Reads valid frames from the start and stops at the first damaged one. */
export function scanFrames(buf: Buffer, magic: number, fileId: number): Scan {
    const frames: Frame[] = []
    let offset = 0
    while (offset < buf.length) {
        const reason = checkFrame(buf, offset, magic, fileId)
        if (reason !== undefined) return { frames, end: offset, damage: { offset, reason } }
        const length = buf.readUInt32LE(offset + 8)
        frames.push({ offset, payload: buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length) })
        offset += HEADER_BYTES + length
    }
    return { frames, end: offset }
}

/** The offset of the first valid frame at or after `from`, or -1: tells a torn tail from corruption. */
export function findValidFrame(buf: Buffer, from: number, magic: number, fileId: number): number {
    const marker = Buffer.alloc(4)
    marker.writeUInt32LE(magic, 0)
    for (let at = buf.indexOf(marker, from); at >= 0; at = buf.indexOf(marker, at + 1)) {
        if (checkFrame(buf, at, magic, fileId) === undefined) return at
    }
    return -1
}
