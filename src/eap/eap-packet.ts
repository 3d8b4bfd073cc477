// EAP packets (RFC 3748 section 4): Code | Identifier | Length | Type | Type-Data.

import { readOnlyView, zeroBytes } from "../bytes"
import { FormatError } from "../format-error"

export const EAP_REQUEST = 1
export const EAP_RESPONSE = 2
export const EAP_SUCCESS = 3
export const EAP_FAILURE = 4

export const EAP_TYPE_IDENTITY = 1
export const EAP_TYPE_NOTIFICATION = 2
export const EAP_TYPE_NAK = 3
export const EAP_TYPE_AKA = 23
export const EAP_TYPE_AKA_PRIME = 50

/** The largest EAP packet this system sends or accepts (RADIUS carries at most 4096 bytes in all). */
export const MAX_EAP_LENGTH = 1020

export interface EapPacket {
    code: number
    id: number
    /** The method type of a Request/Response; 0 for Success and Failure. */
    type: number
    /** Type-Data: the bytes after the Type field (empty for Success and Failure). */
    data: Buffer
}

export function decodeEap(b: Buffer): EapPacket {
    if (b.length < 4) throw new FormatError("EAP packet shorter than its 4-byte header")
    const code = b[0]
    const length = (b[2] << 8) | b[3]
    if (length < 4) throw new FormatError("EAP length field below 4")
    if (length > b.length) throw new FormatError("EAP length field " + length + " exceeds the " + b.length + " bytes received")
    if (length > MAX_EAP_LENGTH) throw new FormatError("EAP packet of " + length + " bytes exceeds " + MAX_EAP_LENGTH)
    // Bytes past Length are link-layer padding and are ignored (RFC 3748 4.1).
    if (code === EAP_SUCCESS || code === EAP_FAILURE) {
        if (length !== 4) throw new FormatError("EAP Success/Failure must be exactly 4 bytes")
        return { code: code, id: b[1], type: 0, data: Buffer.alloc(0) }
    }
    if (code !== EAP_REQUEST && code !== EAP_RESPONSE) throw new FormatError("unknown EAP code " + code)
    if (length < 5) throw new FormatError("EAP Request/Response without a Type")
    return { code: code, id: b[1], type: b[4], data: readOnlyView(b, 5, length) }
}

export function encodeEap(p: EapPacket): Buffer {
    const hasType = p.code === EAP_REQUEST || p.code === EAP_RESPONSE
    const length = hasType ? 5 + p.data.length : 4
    if (length > MAX_EAP_LENGTH) throw new FormatError("EAP packet would be " + length + " bytes")
    const out = zeroBytes(length)
    out[0] = p.code
    out[1] = p.id & 0xff
    out[2] = (length >> 8) & 0xff
    out[3] = length & 0xff
    if (hasType) {
        out[4] = p.type
        out.set(p.data, 5)
    }
    return out
}
