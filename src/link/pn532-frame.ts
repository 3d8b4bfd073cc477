// PN532 host-link frames (NXP PN532 User Manual UM0701-02, section 6.2): the same bytes over
// I2C, SPI or HSU.
//   information: 00 00 FF LEN LCS TFI PD0..PDn DCS 00   (LEN counts TFI + data; LEN + LCS = 0,
//                                                         TFI + data + DCS = 0, modulo 256)
//   extended:    00 00 FF FF FF LENM LENL LCS TFI ... DCS 00   (LENM + LENL + LCS = 0)
//   ACK 00 00 FF 00 FF 00, NACK 00 00 FF FF 00 00, application error 00 00 FF 01 FF 7F 81 00
// TFI is D4 from the host to the PN532 and D5 back; a response's first data byte is the
// command code + 1.

import { copyOf, hex } from "../bytes"
import { FormatError } from "../format-error"

export const TFI_HOST_TO_PN532 = 0xd4
export const TFI_PN532_TO_HOST = 0xd5
export const ACK_FRAME = hex`00 00 ff 00 ff 00`
export const NACK_FRAME = hex`00 00 ff ff 00 00`
export const ERROR_FRAME = hex`00 00 ff 01 ff 7f 81 00`
/** Largest TFI + data in one (extended) frame that the driver accepts. */
export const MAX_PN532_PAYLOAD = 265

export const PN532_ACK = 0
export const PN532_NACK = 1
export const PN532_ERROR = 2
export const PN532_INFO = 3

/** A damaged PN532 frame: the host NACKs it and the chip sends it again. */
export class Pn532FrameError extends FormatError {}

export interface Pn532Frame {
    kind: number
    /** For PN532_INFO: D4 or D5. */
    tfi: number
    /** For PN532_INFO: the bytes after TFI (command code, then parameters). */
    data: Buffer
}

function sum(b: Buffer, from: number, to: number): number {
    let s = 0
    for (let i = from; i < to; i++) s = (s + b[i]) & 0xff
    return s
}

/** An information frame (extended when TFI + data exceed 255 bytes). */
export function encodePn532Frame(tfi: number, data: Buffer): Buffer {
    const len = 1 + data.length
    if (len > MAX_PN532_PAYLOAD) throw new Pn532FrameError("frame payload over " + MAX_PN532_PAYLOAD + " bytes")
    const extended = len > 255
    const head = extended ? 8 : 5
    const out = Buffer.alloc(head + len + 2)
    out[0] = 0x00
    out[1] = 0x00
    out[2] = 0xff
    if (extended) {
        out[3] = 0xff
        out[4] = 0xff
        out[5] = len >> 8
        out[6] = len & 0xff
        out[7] = (0x100 - ((out[5] + out[6]) & 0xff)) & 0xff
    } else {
        out[3] = len
        out[4] = (0x100 - len) & 0xff
    }
    out[head] = tfi
    out.set(data, head + 1)
    out[head + len] = (0x100 - sum(out, head, head + len)) & 0xff
    out[head + len + 1] = 0x00
    return out
}

/**
 * The frame at the start of `b` (after any 00 preamble bytes). Pn532FrameError names what is
 * wrong: no start code, a length or data checksum that does not add up, a truncated frame.
 */
export function decodePn532Frame(b: Buffer): Pn532Frame {
    let o = 0
    while (o + 1 < b.length && b[o] === 0x00 && b[o + 1] !== 0xff) o++
    if (o + 1 >= b.length || b[o] !== 0x00) throw new Pn532FrameError("no start code 00 FF")
    if (o + 4 > b.length) throw new Pn532FrameError("truncated length")
    const frame: Pn532Frame = { kind: PN532_ACK, tfi: 0, data: Buffer.alloc(0) }
    let p = o + 2
    const l = b[p]
    const lcs = b[p + 1]
    // ACK and NACK are the "frames" whose length and checksum bytes are 00 FF and FF 00.
    if (l === 0x00 && lcs === 0xff) return frame
    frame.kind = PN532_NACK
    if (l === 0xff && lcs === 0x00) return frame
    let len = l
    let check = l + lcs
    if (l === 0xff && lcs === 0xff) {
        if (p + 5 > b.length) throw new Pn532FrameError("truncated extended length")
        len = (b[p + 2] << 8) | b[p + 3]
        check = b[p + 2] + b[p + 3] + b[p + 4]
        p += 3
    }
    p += 2
    if ((check & 0xff) !== 0) throw new Pn532FrameError("length checksum")
    if (len === 0 || len > MAX_PN532_PAYLOAD) throw new Pn532FrameError("length " + len + " out of range")
    if (p + len + 1 > b.length) throw new Pn532FrameError("truncated frame")
    if (((sum(b, p, p + len) + b[p + len]) & 0xff) !== 0) throw new Pn532FrameError("data checksum")
    frame.kind = PN532_ERROR
    if (len === 1 && b[p] === 0x7f) return frame
    frame.kind = PN532_INFO
    frame.tfi = b[p]
    frame.data = copyOf(b, p + 1, p + len)
    return frame
}
