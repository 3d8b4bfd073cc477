// RADIUS attribute types (RFC 2865 section 5, RFC 2866 section 5, RFC 2869, RFC 3579 section 3)
// and helpers to find, build and read attribute values. Readers are strict: a value of the wrong
// size, or text that is not UTF-8, is a RadiusFormatError.

import { readU32BE, writeU32BE } from "../bytes"
import { MAX_ATTRIBUTE_VALUE_LENGTH, RadiusAttribute, RadiusFormatError, REASON_BAD_VALUE, REASON_TOO_LONG } from "./packet"

export const ATTR_USER_NAME = 1
export const ATTR_USER_PASSWORD = 2
export const ATTR_CHAP_PASSWORD = 3
export const ATTR_NAS_IP_ADDRESS = 4
export const ATTR_NAS_PORT = 5
export const ATTR_SERVICE_TYPE = 6
export const ATTR_FRAMED_PROTOCOL = 7
export const ATTR_FRAMED_IP_ADDRESS = 8
export const ATTR_FRAMED_MTU = 12
export const ATTR_LOGIN_IP_HOST = 14
export const ATTR_LOGIN_SERVICE = 15
export const ATTR_REPLY_MESSAGE = 18
export const ATTR_STATE = 24
export const ATTR_CLASS = 25
export const ATTR_VENDOR_SPECIFIC = 26
export const ATTR_SESSION_TIMEOUT = 27
export const ATTR_IDLE_TIMEOUT = 28
export const ATTR_TERMINATION_ACTION = 29
export const ATTR_CALLED_STATION_ID = 30
export const ATTR_CALLING_STATION_ID = 31
export const ATTR_NAS_IDENTIFIER = 32
export const ATTR_PROXY_STATE = 33
export const ATTR_ACCT_STATUS_TYPE = 40
export const ATTR_ACCT_SESSION_ID = 44
export const ATTR_EVENT_TIMESTAMP = 55
export const ATTR_CHAP_CHALLENGE = 60
export const ATTR_NAS_PORT_TYPE = 61
export const ATTR_CONNECT_INFO = 77
export const ATTR_EAP_MESSAGE = 79
export const ATTR_MESSAGE_AUTHENTICATOR = 80
export const ATTR_ERROR_CAUSE = 101

/** Service-Type values (RFC 2865 section 5.6). */
export const SERVICE_TYPE_LOGIN = 1
export const SERVICE_TYPE_FRAMED = 2
export const SERVICE_TYPE_AUTHENTICATE_ONLY = 8
/** Authorization without authentication (RFC 5176 section 3.1): here, a payment status inquiry. */
export const SERVICE_TYPE_AUTHORIZE_ONLY = 17

/** NAS-Port-Type values (RFC 2865 section 5.41, RFC 2869). */
export const NAS_PORT_TYPE_VIRTUAL = 5
export const NAS_PORT_TYPE_ETHERNET = 15
export const NAS_PORT_TYPE_WIRELESS_802_11 = 19

/** The value of the first attribute of this type, or null. */
export function getAttribute(attributes: RadiusAttribute[], type: number): Buffer | null {
    for (let i = 0; i < attributes.length; i++) if (attributes[i].type === type) return attributes[i].value
    return null
}

/** The values of every attribute of this type, in packet order. */
export function getAttributes(attributes: RadiusAttribute[], type: number): Buffer[] {
    const out: Buffer[] = []
    for (let i = 0; i < attributes.length; i++) if (attributes[i].type === type) out.push(attributes[i].value)
    return out
}

export function countAttributes(attributes: RadiusAttribute[], type: number): number {
    let n = 0
    for (let i = 0; i < attributes.length; i++) if (attributes[i].type === type) n++
    return n
}

/** A new list without the attributes of this type. */
export function withoutAttributes(attributes: RadiusAttribute[], type: number): RadiusAttribute[] {
    const out: RadiusAttribute[] = []
    for (let i = 0; i < attributes.length; i++) if (attributes[i].type !== type) out.push(attributes[i])
    return out
}

/** Whether b is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF). */
export function isValidUtf8(b: Buffer): boolean {
    let i = 0
    const n = b.length
    while (i < n) {
        const c = b[i]
        if (c < 0x80) {
            i++
            continue
        }
        let need = 0
        let min = 0
        let cp = 0
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1
            cp = c & 0x1f
            min = 0x80
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2
            cp = c & 0x0f
            min = 0x800
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3
            cp = c & 0x07
            min = 0x10000
        } else return false
        if (i + need >= n) return false
        for (let k = 1; k <= need; k++) {
            const cc = b[i + k]
            if ((cc & 0xc0) !== 0x80) return false
            cp = (cp << 6) | (cc & 0x3f)
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false
        i += need + 1
    }
    return true
}

/** A "string" attribute (RFC 2865 section 5: 1..253 octets of binary data). */
export function bytesAttribute(type: number, value: Buffer): RadiusAttribute {
    if (value.length > MAX_ATTRIBUTE_VALUE_LENGTH) throw new RadiusFormatError(REASON_TOO_LONG, "attribute " + type + " value of " + value.length + " bytes")
    return { type: type, value: value }
}

/** A "text" attribute: UTF-8, 1..253 bytes. */
export function textAttribute(type: number, text: string): RadiusAttribute {
    const v = Buffer.from(text, "utf8")
    if (v.length === 0) throw new RadiusFormatError(REASON_BAD_VALUE, "empty text for attribute " + type)
    return bytesAttribute(type, v)
}

/** An "integer" attribute: 32-bit unsigned, big-endian. */
export function integerAttribute(type: number, v: number): RadiusAttribute {
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) throw new RadiusFormatError(REASON_BAD_VALUE, "integer " + v)
    const b = Buffer.alloc(4)
    writeU32BE(b, 0, v)
    return { type: type, value: b }
}

/** An "address" attribute from dotted-quad text ("192.168.1.16"). */
export function ipv4Attribute(type: number, address: string): RadiusAttribute {
    const parts = address.split(".")
    if (parts.length !== 4) throw new RadiusFormatError(REASON_BAD_VALUE, "IPv4 address " + address)
    const b = Buffer.alloc(4)
    for (let i = 0; i < 4; i++) {
        const p = parts[i]
        let v = 0
        if (p.length < 1 || p.length > 3) throw new RadiusFormatError(REASON_BAD_VALUE, "IPv4 address " + address)
        for (let k = 0; k < p.length; k++) {
            const d = p.charCodeAt(k) - 48
            if (d < 0 || d > 9) throw new RadiusFormatError(REASON_BAD_VALUE, "IPv4 address " + address)
            v = v * 10 + d
        }
        if (v > 255) throw new RadiusFormatError(REASON_BAD_VALUE, "IPv4 address " + address)
        b[i] = v
    }
    return { type: type, value: b }
}

export function readInteger(value: Buffer): number {
    if (value.length !== 4) throw new RadiusFormatError(REASON_BAD_VALUE, "integer of " + value.length + " bytes")
    return readU32BE(value, 0)
}

export function readText(value: Buffer): string {
    if (!isValidUtf8(value)) throw new RadiusFormatError(REASON_BAD_VALUE, "text is not UTF-8")
    return value.toString("utf8")
}

export function readIpv4(value: Buffer): string {
    if (value.length !== 4) throw new RadiusFormatError(REASON_BAD_VALUE, "address of " + value.length + " bytes")
    return value[0] + "." + value[1] + "." + value[2] + "." + value[3]
}
