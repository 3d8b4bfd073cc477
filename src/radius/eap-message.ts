// EAP over RADIUS (RFC 3579 section 3.1): an EAP packet travels in one or more EAP-Message
// attributes of at most 253 bytes each, consecutive and in order; the receiver concatenates them.
// An EAP-Message of length 2 (no data) alone is EAP-Start (RFC 3579 section 3.1).

import { RadiusAttribute, RadiusFormatError, MAX_ATTRIBUTE_VALUE_LENGTH, REASON_BAD_LAYOUT, REASON_BAD_VALUE, REASON_TOO_LONG } from "./packet"
import { ATTR_EAP_MESSAGE } from "./attributes"
import { readOnlyView, readU16BE, zeroBytes } from "../bytes"

/** The EAP header: Code, Identifier, Length (RFC 3748 section 4). */
export const EAP_HEADER_LENGTH = 4

/** Splits an EAP packet into EAP-Message attributes of at most 253 bytes; an empty buffer gives EAP-Start. */
export function eapMessageAttributes(eap: Buffer): RadiusAttribute[] {
    const out: RadiusAttribute[] = []
    if (eap.length === 0) {
        out.push({ type: ATTR_EAP_MESSAGE, value: Buffer.alloc(0) })
        return out
    }
    if (eap.length > 0xffff) throw new RadiusFormatError(REASON_TOO_LONG, "EAP packet of " + eap.length + " bytes")
    for (let o = 0; o < eap.length; o += MAX_ATTRIBUTE_VALUE_LENGTH) {
        out.push({ type: ATTR_EAP_MESSAGE, value: readOnlyView(eap, o, Math.min(o + MAX_ATTRIBUTE_VALUE_LENGTH, eap.length)) })
    }
    return out
}

/**
 * The EAP packet carried by a packet's attributes: null when there is no EAP-Message, an empty
 * buffer for EAP-Start, else the concatenation (the value itself when there is one fragment), checked: the EAP-Message attributes are
 * consecutive, none but a lone EAP-Start is empty, and the EAP Length field equals what they carry.
 */
export function joinEapMessage(attributes: RadiusAttribute[]): Buffer | null {
    let first = -1
    let last = -1
    let total = 0
    for (let i = 0; i < attributes.length; i++) {
        if (attributes[i].type !== ATTR_EAP_MESSAGE) continue
        if (first < 0) first = i
        else if (last !== i - 1) throw new RadiusFormatError(REASON_BAD_LAYOUT, "EAP-Message attributes are not consecutive")
        last = i
        total += attributes[i].value.length
    }
    if (first < 0) return null
    if (total === 0) {
        if (first !== last) throw new RadiusFormatError(REASON_BAD_VALUE, "several empty EAP-Message attributes")
        return Buffer.alloc(0)
    }
    // One fragment (most packets): its value is the packet, read-only like every decoded value.
    let out = attributes[first].value
    if (first !== last) {
        out = zeroBytes(total)
        let o = 0
        for (let i = first; i <= last; i++) {
            const v = attributes[i].value
            if (v.length === 0) throw new RadiusFormatError(REASON_BAD_VALUE, "empty EAP-Message fragment")
            out.set(v, o)
            o += v.length
        }
    }
    if (total < EAP_HEADER_LENGTH) throw new RadiusFormatError(REASON_BAD_VALUE, "EAP packet of " + total + " bytes")
    const len = readU16BE(out, 2)
    if (len !== total) throw new RadiusFormatError(REASON_BAD_VALUE, "EAP Length " + len + ", " + total + " bytes carried")
    return out
}
