// ISO/IEC 7816-4 short APDUs: the card speaks them over ISO 14443-4 (NFC) and over IrDA, so a
// standard reader can talk to it. Commands: CLA INS P1 P2 [Lc data] [Le]; responses: data SW1 SW2.

import { copyOf } from "../bytes"
import { FormatError } from "../format-error"

export const SW_OK = 0x9000
/** 61xx: xx more response bytes wait for GET RESPONSE. */
export const SW_BYTES_REMAINING = 0x6100
/** 63Cx: wrong PIN, x tries left. */
export const SW_VERIFY_FAILED = 0x63c0
export const SW_WRONG_LENGTH = 0x6700
export const SW_SECURITY_NOT_SATISFIED = 0x6982
export const SW_AUTH_METHOD_BLOCKED = 0x6983
export const SW_CONDITIONS_NOT_SATISFIED = 0x6985
export const SW_WRONG_DATA = 0x6a80
export const SW_APPLICATION_NOT_FOUND = 0x6a82
export const SW_INS_NOT_SUPPORTED = 0x6d00
export const SW_CLA_NOT_SUPPORTED = 0x6e00
export const SW_UNKNOWN = 0x6f00

/** CLA bit 5 (0x10): more command data follows in the next APDU (command chaining). */
export const CLA_CHAINING = 0x10

/** A malformed APDU: the card answers it with 6700 (wrong length) rather than 6F00. */
export class ApduFormatError extends FormatError {}

export interface Command {
    cla: number
    ins: number
    p1: number
    p2: number
    data: Buffer
    /** Expected response length: 0 for none, 1..256 (256 encoded as 00). */
    le: number
}

export function encodeCommand(c: Command): Buffer {
    if (c.data.length > 255) throw new ApduFormatError("short APDU data over 255 bytes: chain it")
    if (c.le < 0 || c.le > 256) throw new ApduFormatError("Le out of range")
    const n = 4 + (c.data.length > 0 ? 1 + c.data.length : 0) + (c.le > 0 ? 1 : 0)
    const out = Buffer.alloc(n)
    out[0] = c.cla
    out[1] = c.ins
    out[2] = c.p1
    out[3] = c.p2
    let o = 4
    if (c.data.length > 0) {
        out[4] = c.data.length
        out.set(c.data, 5)
        o = 5 + c.data.length
    }
    if (c.le > 0) out[o] = c.le === 256 ? 0 : c.le
    return out
}

/** Decodes the four short-APDU cases of ISO 7816-3 12.1; anything else is an ApduFormatError. */
export function decodeCommand(b: Buffer): Command {
    if (b.length < 4) throw new ApduFormatError("APDU shorter than its header")
    const c: Command = { cla: b[0], ins: b[1], p1: b[2], p2: b[3], data: Buffer.alloc(0), le: 0 }
    if (b.length === 4) return c
    if (b.length === 5) {
        c.le = b[4] === 0 ? 256 : b[4]
        return c
    }
    const lc = b[4]
    if (lc === 0) throw new ApduFormatError("extended APDUs are not supported")
    if (b.length !== 5 + lc && b.length !== 6 + lc) throw new ApduFormatError("Lc does not match the APDU length")
    c.data = copyOf(b, 5, 5 + lc)
    if (b.length === 6 + lc) c.le = b[5 + lc] === 0 ? 256 : b[5 + lc]
    return c
}

export function encodeResponse(data: Buffer, sw: number): Buffer {
    const out = Buffer.alloc(data.length + 2)
    out.set(data, 0)
    out[data.length] = (sw >> 8) & 0xff
    out[data.length + 1] = sw & 0xff
    return out
}

/** A response with no data: the status word alone. */
export function statusResponse(sw: number): Buffer {
    return encodeResponse(Buffer.alloc(0), sw)
}

/** "6a82" for the log and errors (numbers have no toString(16) in the VM). */
export function swText(sw: number): string {
    const b = Buffer.alloc(2)
    b[0] = (sw >> 8) & 0xff
    b[1] = sw & 0xff
    return b.toString("hex")
}

export interface Response {
    data: Buffer
    sw: number
}

export function decodeResponse(b: Buffer): Response {
    if (b.length < 2) throw new ApduFormatError("response without a status word")
    return { data: copyOf(b, 0, b.length - 2), sw: (b[b.length - 2] << 8) | b[b.length - 1] }
}
