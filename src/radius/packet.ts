// RADIUS packet codec (RFC 2865 section 3, RFC 2866 section 3, RFC 5997, RFC 6613 section 2.1).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   |     Code      |  Identifier   |            Length             |
//   |                         Authenticator (16)                    |
//   |  Attributes: Type (1) | Length (1, >= 2, counts itself) | Value ...
//
// Decoding is strict: the Length field is 20..4096 and equal to the datagram (over TCP, to the
// frame cut by frameLength), and the attributes, each of length >= 2, fill the packet exactly.
// (RFC 2865 would let a receiver ignore bytes past Length as padding; this codec refuses them,
// as nothing in this system pads.) Every refusal is a RadiusFormatError with a machine-readable
// reason, and a receiver silently discards the packet (RFC 2865 section 3) or, over TCP, closes
// the connection (RFC 6613 section 2.6.4). Codes are not judged here: the server drops the ones
// it does not serve.

import { readOnlyView, readU16BE, writeU16BE, zeroBytes } from "../bytes"
import { FormatError } from "../format-error"

export const CODE_ACCESS_REQUEST = 1
export const CODE_ACCESS_ACCEPT = 2
export const CODE_ACCESS_REJECT = 3
export const CODE_ACCOUNTING_REQUEST = 4
export const CODE_ACCOUNTING_RESPONSE = 5
export const CODE_ACCESS_CHALLENGE = 11
export const CODE_STATUS_SERVER = 12
export const CODE_STATUS_CLIENT = 13

export const HEADER_LENGTH = 20
export const AUTHENTICATOR_LENGTH = 16
export const MIN_PACKET_LENGTH = 20
export const MAX_PACKET_LENGTH = 4096
/** An attribute's value is at most 255 - 2 bytes (its Length octet counts Type and Length). */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 253

/** Why a packet, attribute or value was refused. `reason` is one of the REASON_* strings. */
export class RadiusFormatError extends FormatError {
    readonly reason: string
    constructor(reason: string, detail?: string) {
        super("RADIUS format error: " + reason + (detail ? " (" + detail + ")" : ""))
        this.reason = reason
    }
}

/** Fewer than 20 bytes, or fewer than the 4 bytes that carry a TCP frame's Length. */
export const REASON_SHORT = "short"
/** Length field under 20 or over 4096. */
export const REASON_BAD_LENGTH = "bad-length"
/** Length field differs from the datagram or frame size. */
export const REASON_LENGTH_MISMATCH = "length-mismatch"
/** An attribute's Length octet is 0 or 1, or the attribute runs past the end of the packet. */
export const REASON_BAD_ATTRIBUTE = "bad-attribute"
/** A value too long for one attribute, or a packet too long for 4096 bytes (encoding). */
export const REASON_TOO_LONG = "too-long"
/** A header field out of range when encoding (code, identifier, authenticator size). */
export const REASON_BAD_FIELD = "bad-field"
/** An attribute value that its type does not allow (size, range, character set). */
export const REASON_BAD_VALUE = "bad-value"
/** Message-Authenticator repeated, or EAP-Message attributes not consecutive (RFC 3579). */
export const REASON_BAD_LAYOUT = "bad-layout"

export interface RadiusAttribute {
    type: number
    value: Buffer
}

export interface RadiusPacket {
    code: number
    identifier: number
    /** The Request or Response Authenticator, 16 bytes. */
    authenticator: Buffer
    attributes: RadiusAttribute[]
}

/**
 * Checks a run of type-length-value items in data[from..to) without copying anything: the
 * attribute list of a packet, and the same layout inside a Vendor-Specific value (RFC 2865
 * section 5.26). Returns how many items there are.
 */
export function checkAttributes(data: Buffer, from: number, to: number): number {
    let o = from
    let n = 0
    while (o < to) {
        if (to - o < 2) throw new RadiusFormatError(REASON_BAD_ATTRIBUTE, "truncated header at " + o)
        const len = data[o + 1]
        if (len < 2) throw new RadiusFormatError(REASON_BAD_ATTRIBUTE, "length " + len + " at " + o)
        if (o + len > to) throw new RadiusFormatError(REASON_BAD_ATTRIBUTE, "runs past the end at " + o)
        o += len
        n++
    }
    return n
}

/** Decodes the type-length-value items in data[from..to) (see checkAttributes); values are read-only views (readOnlyView). */
export function decodeAttributes(data: Buffer, from: number, to: number): RadiusAttribute[] {
    checkAttributes(data, from, to)
    const out: RadiusAttribute[] = []
    for (let o = from; o < to; o += data[o + 1]) out.push({ type: data[o], value: readOnlyView(data, o + 2, o + data[o + 1]) })
    return out
}

function isByte(v: number): boolean {
    return v >= 0 && v <= 255 && Math.floor(v) === v
}

/** Bytes that encodeAttributes writes for these attributes. */
export function attributesLength(attributes: RadiusAttribute[]): number {
    let n = 0
    for (let i = 0; i < attributes.length; i++) n += 2 + attributes[i].value.length
    return n
}

/** Writes attributes at out[off..]; returns the offset after the last one. */
export function writeAttributes(out: Buffer, off: number, attributes: RadiusAttribute[]): number {
    let o = off
    for (let i = 0; i < attributes.length; i++) {
        const a = attributes[i]
        if (!isByte(a.type)) throw new RadiusFormatError(REASON_BAD_FIELD, "attribute type " + a.type)
        if (a.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) throw new RadiusFormatError(REASON_TOO_LONG, "attribute " + a.type + " value of " + a.value.length + " bytes")
        out[o] = a.type
        out[o + 1] = a.value.length + 2
        out.set(a.value, o + 2)
        o += 2 + a.value.length
    }
    return o
}

export function encodeAttributes(attributes: RadiusAttribute[]): Buffer {
    const out = zeroBytes(attributesLength(attributes))
    writeAttributes(out, 0, attributes)
    return out
}

/** Encodes a packet as is: the authenticator is written as given (see authenticator.ts to sign). */
export function encodePacket(p: RadiusPacket): Buffer {
    if (!isByte(p.code)) throw new RadiusFormatError(REASON_BAD_FIELD, "code " + p.code)
    if (!isByte(p.identifier)) throw new RadiusFormatError(REASON_BAD_FIELD, "identifier " + p.identifier)
    if (p.authenticator.length !== AUTHENTICATOR_LENGTH) throw new RadiusFormatError(REASON_BAD_FIELD, "authenticator of " + p.authenticator.length + " bytes")
    const n = HEADER_LENGTH + attributesLength(p.attributes)
    if (n > MAX_PACKET_LENGTH) throw new RadiusFormatError(REASON_TOO_LONG, "packet of " + n + " bytes")
    const out = zeroBytes(n)
    out[0] = p.code
    out[1] = p.identifier
    writeU16BE(out, 2, n)
    out.set(p.authenticator, 4)
    writeAttributes(out, HEADER_LENGTH, p.attributes)
    return out
}

/** Checks the header and the attribute layout of a whole datagram or frame without copying anything. */
export function checkPacket(data: Buffer): void {
    if (data.length < MIN_PACKET_LENGTH) throw new RadiusFormatError(REASON_SHORT, data.length + " bytes")
    const len = readU16BE(data, 2)
    if (len < MIN_PACKET_LENGTH || len > MAX_PACKET_LENGTH) throw new RadiusFormatError(REASON_BAD_LENGTH, "Length " + len)
    if (len !== data.length) throw new RadiusFormatError(REASON_LENGTH_MISMATCH, "Length " + len + ", " + data.length + " bytes received")
    checkAttributes(data, HEADER_LENGTH, len)
}

/** Decodes one whole datagram (or TCP frame); throws RadiusFormatError on anything malformed. */
export function decodePacket(data: Buffer): RadiusPacket {
    checkPacket(data)
    return {
        code: data[0],
        identifier: data[1],
        authenticator: readOnlyView(data, 4, HEADER_LENGTH),
        attributes: decodeAttributes(data, HEADER_LENGTH, data.length),
    }
}

/**
 * RADIUS/TCP framing (RFC 6613 section 2.1: packets back to back, cut by their Length field):
 * the length of the packet that starts at data[off], or -1 while fewer than the 4 bytes that
 * carry it have arrived. A Length outside 20..4096 is a RadiusFormatError (close the connection).
 */
export function frameLength(data: Buffer, off: number): number {
    if (data.length - off < 4) return -1
    const len = readU16BE(data, off + 2)
    if (len < MIN_PACKET_LENGTH || len > MAX_PACKET_LENGTH) throw new RadiusFormatError(REASON_BAD_LENGTH, "Length " + len)
    return len
}

/** True for the codes a server sends (Access-Accept/Reject/Challenge, Accounting-Response). */
export function isResponseCode(code: number): boolean {
    return code === CODE_ACCESS_ACCEPT || code === CODE_ACCESS_REJECT || code === CODE_ACCESS_CHALLENGE || code === CODE_ACCOUNTING_RESPONSE
}

/** Whether `response` is an answer that `requestCode` allows (RFC 2865, RFC 2866, RFC 5997 section 3). */
export function isValidResponseCode(requestCode: number, response: number): boolean {
    if (requestCode === CODE_ACCESS_REQUEST) return response === CODE_ACCESS_ACCEPT || response === CODE_ACCESS_REJECT || response === CODE_ACCESS_CHALLENGE
    if (requestCode === CODE_ACCOUNTING_REQUEST) return response === CODE_ACCOUNTING_RESPONSE
    if (requestCode === CODE_STATUS_SERVER) return response === CODE_ACCESS_ACCEPT || response === CODE_ACCOUNTING_RESPONSE
    return false
}

export function codeName(code: number): string {
    if (code === CODE_ACCESS_REQUEST) return "Access-Request"
    if (code === CODE_ACCESS_ACCEPT) return "Access-Accept"
    if (code === CODE_ACCESS_REJECT) return "Access-Reject"
    if (code === CODE_ACCOUNTING_REQUEST) return "Accounting-Request"
    if (code === CODE_ACCOUNTING_RESPONSE) return "Accounting-Response"
    if (code === CODE_ACCESS_CHALLENGE) return "Access-Challenge"
    if (code === CODE_STATUS_SERVER) return "Status-Server"
    if (code === CODE_STATUS_CLIENT) return "Status-Client"
    return "Code-" + code
}
