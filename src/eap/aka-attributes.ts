// EAP-AKA / EAP-AKA' messages and attributes (RFC 4187 sections 8-11, RFC 9048 sections 3-4),
// plus the payment extension's skippable attributes. Decoding is strict, in the manner of
// hostapd's eap_sim_parse_attr: every length checked, no duplicates (AT_KDF excepted), only the
// attributes a message may carry, unknown non-skippable attributes rejected, unknown skippable
// attributes (128-255) ignored.

import { hex, readOnlyView, zeroBytes } from "../bytes"
import { FormatError } from "../format-error"

export const SUBTYPE_CHALLENGE = 1
export const SUBTYPE_AUTHENTICATION_REJECT = 2
export const SUBTYPE_SYNCHRONIZATION_FAILURE = 4
export const SUBTYPE_IDENTITY = 5
export const SUBTYPE_NOTIFICATION = 12
export const SUBTYPE_REAUTHENTICATION = 13
export const SUBTYPE_CLIENT_ERROR = 14

export const AT_RAND = 1
export const AT_AUTN = 2
export const AT_RES = 3
export const AT_AUTS = 4
export const AT_PADDING = 6
export const AT_PERMANENT_ID_REQ = 10
export const AT_MAC = 11
export const AT_NOTIFICATION = 12
export const AT_ANY_ID_REQ = 13
export const AT_IDENTITY = 14
export const AT_FULLAUTH_ID_REQ = 17
export const AT_COUNTER = 19
export const AT_COUNTER_TOO_SMALL = 20
export const AT_NONCE_S = 21
export const AT_CLIENT_ERROR_CODE = 22
export const AT_KDF_INPUT = 23
export const AT_KDF = 24
export const AT_IV = 129
export const AT_ENCR_DATA = 130
export const AT_NEXT_PSEUDONYM = 132
export const AT_NEXT_REAUTH_ID = 133
export const AT_CHECKCODE = 134
export const AT_RESULT_IND = 135
export const AT_BIDDING = 136
/** Payment extension (skippable, so standard peers and servers ignore them): the payment as the sender sees it. */
export const AT_PAYMENT = 241
/** Payment extension: the server's decision (response code, approval number or reason). */
export const AT_PAYMENT_RESULT = 242

/** AT_NOTIFICATION codes this system sends (RFC 4187 10.19): S bit 0x8000 success, P bit 0x4000 before authentication. */
export const NOTIFICATION_GENERAL_FAILURE_AFTER_AUTH = 0
export const NOTIFICATION_SUCCESS = 32768

/** The AT_CLIENT_ERROR_CODE this peer sends (RFC 4187 10.20). */
export const CLIENT_ERROR_UNABLE_TO_PROCESS = 0

/** AT_BIDDING's D bit (RFC 9048 4): the server supports EAP-AKA' too. */
export const BIDDING_AKA_PRIME_SUPPORTED = 0x8000

/** The only key derivation function defined for EAP-AKA' (RFC 9048 3.1). */
export const KDF_AKA_PRIME = 1

export interface AkaAttribute {
    type: number
    /** The attribute's bytes after its Type and Length octets. */
    value: Buffer
}

/**
 * A message's attributes, or those inside its AT_ENCR_DATA, decoded once: each by name with its
 * value laid out (the bytes after reserved or length fields), undefined where the message has none.
 */
export class AkaMessage {
    subtype = 0
    /** Every attribute in order, unknown skippable ones left out. */
    attributes: AkaAttribute[] = []
    /** Offset of AT_MAC's 16-byte MAC within the type-data, or -1 when there is no AT_MAC. */
    macOffset = -1
    mac?: Buffer
    anyIdReq?: boolean
    fullauthIdReq?: boolean
    permanentIdReq?: boolean
    identity?: Buffer
    rand?: Buffer
    autn?: Buffer
    res?: Buffer
    /** The whole 14-byte AUTS. */
    auts?: Buffer
    /** Every AT_KDF in order (an EAP-AKA' server may offer several). */
    kdfs: number[] = []
    kdfInput?: Buffer
    bidding?: number
    /** Empty when AT_CHECKCODE carries no hash (no identity rounds). */
    checkcode?: Buffer
    resultInd?: boolean
    notification?: number
    clientErrorCode?: number
    iv?: Buffer
    encrData?: Buffer
    counter?: number
    counterTooSmall?: boolean
    nonceS?: Buffer
    nextPseudonym?: Buffer
    nextReauthId?: Buffer
    payment?: Buffer
    paymentResult?: Buffer

    /**
     * Checks one attribute's value against its layout (RFC 4187 section 10, RFC 9048 section 3)
     * and puts it into its field, as hostapd's eap_sim_parse_attr() does; `i` is the attribute's
     * row in KNOWN.
     */
    put(i: number, v: Buffer, prime: boolean): void {
        const t = KNOWN[i]
        const layout = LAYOUTS[i]
        const n = v.length
        let x: Buffer | number | boolean = true
        let ok = true
        let end = -1 // the value is v[2..end) when end >= 0
        if (layout === L_RESERVED16) {
            ok = n === 18
            end = 18
        } else if (layout === L_U16 || layout === L_FLAG) {
            ok = n === 2
            if (layout === L_U16) x = (v[0] << 8) | v[1]
        } else if (layout === L_LENGTH || layout === L_LENGTH_NONEMPTY) {
            // An actual length in bytes, the data, then fewer than 4 bytes of padding.
            const len = (v[0] << 8) | v[1] // every value has at least 2 bytes: an attribute is at least 4
            ok = 2 + len <= n && n - 2 - len < 4 && (layout === L_LENGTH || len > 0)
            end = 2 + len
        } else if (t === AT_AUTS) {
            ok = n === 14
            x = v
        } else if (t === AT_RES) {
            // The actual length is in bits: 32 to 128, whole bytes.
            const bits = (v[0] << 8) | v[1]
            ok = bits >= 32 && bits <= 128 && bits % 8 === 0 && n >= 2 + bits / 8 && n - 2 - bits / 8 < 4
            end = 2 + bits / 8
        } else if (t === AT_CHECKCODE) {
            ok = n === 2 || n === 2 + (prime ? 32 : 20)
            end = n
        } else if (t === AT_ENCR_DATA) {
            ok = n >= 18 && (n - 2) % 16 === 0
            end = n
        } else {
            for (let j = 0; j < n; j++) if (v[j] !== 0) ok = false // AT_PADDING
        }
        if (!ok) throw new FormatError("attribute " + t + " has an invalid length (" + (n + 2) + " bytes)")
        if (end >= 0) x = readOnlyView(v, 2, end)
        if (t === AT_KDF) this.kdfs.push(x as number)
        else if (t !== AT_PADDING) (this as any)[FIELDS[i]] = x
    }
}

/** Where a list of attributes comes from: decides which attributes are allowed. */
export const CONTEXT_REQUEST = 1
export const CONTEXT_RESPONSE = 2

// Which attributes each message may carry, as lists of types (hex literals live in flash).
const REQ_ALLOWED: Buffer[] = []
const RESP_ALLOWED: Buffer[] = []
REQ_ALLOWED[SUBTYPE_IDENTITY] = hex`0a 0d 11` // AT_PERMANENT_ID_REQ, AT_ANY_ID_REQ, AT_FULLAUTH_ID_REQ
// AT_RAND, AT_AUTN, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_IV, AT_ENCR_DATA, AT_BIDDING, AT_KDF, AT_KDF_INPUT, AT_PAYMENT
REQ_ALLOWED[SUBTYPE_CHALLENGE] = hex`01 02 0b 87 86 81 82 88 18 17 f1`
// AT_IV, AT_ENCR_DATA, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_PAYMENT
REQ_ALLOWED[SUBTYPE_REAUTHENTICATION] = hex`81 82 0b 87 86 f1`
// AT_NOTIFICATION, AT_MAC, AT_IV, AT_ENCR_DATA, AT_PAYMENT_RESULT
REQ_ALLOWED[SUBTYPE_NOTIFICATION] = hex`0c 0b 81 82 f2`
RESP_ALLOWED[SUBTYPE_IDENTITY] = hex`0e` // AT_IDENTITY
// AT_RES, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_KDF, AT_PAYMENT
RESP_ALLOWED[SUBTYPE_CHALLENGE] = hex`03 0b 87 86 18 f1`
RESP_ALLOWED[SUBTYPE_AUTHENTICATION_REJECT] = hex``
RESP_ALLOWED[SUBTYPE_SYNCHRONIZATION_FAILURE] = hex`04 18` // AT_AUTS, AT_KDF
// AT_IV, AT_ENCR_DATA, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_PAYMENT
RESP_ALLOWED[SUBTYPE_REAUTHENTICATION] = hex`81 82 0b 87 86 f1`
RESP_ALLOWED[SUBTYPE_NOTIFICATION] = hex`0b 81 82` // AT_MAC, AT_IV, AT_ENCR_DATA
RESP_ALLOWED[SUBTYPE_CLIENT_ERROR] = hex`16` // AT_CLIENT_ERROR_CODE
// AT_PADDING, AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID, AT_COUNTER, AT_NONCE_S, AT_COUNTER_TOO_SMALL
export const ENCRYPTED_ALLOWED = hex`06 84 85 13 15 14`

// Value layouts (RFC 4187 section 10); attributes with layout 0 are checked one by one.
/** 2 reserved bytes then 16 bytes of data. */
const L_RESERVED16 = 1
/** A 16-bit field. */
const L_U16 = 2
/** 2 reserved bytes, nothing else. */
const L_FLAG = 3
/** An actual length in bytes, the data, padding. */
const L_LENGTH = 4
/** The same, with at least one byte of data. */
const L_LENGTH_NONEMPTY = 5

// One row per known attribute: its type, its layout, and the AkaMessage field it fills.
const KNOWN = hex`01 02 03 04 06 0a 0b 0c 0d 0e 11 13 14 15 16 17 18 81 82 84 85 86 87 88 f1 f2`
const LAYOUTS = hex`01 01 00 00 00 03 01 02 03 05 03 02 03 01 02 05 02 01 00 04 04 00 03 02 04 04`
const FIELDS = (
    "rand autn res auts - permanentIdReq mac notification anyIdReq identity fullauthIdReq counter counterTooSmall nonceS " +
    "clientErrorCode kdfInput kdfs iv encrData nextPseudonym nextReauthId checkcode resultInd bidding payment paymentResult"
).split(" ")

/**
 * Decodes attributes from data[offset..]. Unknown skippable attributes are dropped; everything
 * else must be allowed in `allowed` (or, when `allowed` is null, be any known attribute).
 */
export function decodeAttributes(data: Buffer, offset: number, allowed: Buffer | null, prime: boolean): AkaMessage {
    const m = new AkaMessage()
    const attributes = m.attributes
    let o = offset
    while (o < data.length) {
        if (data.length - o < 4) throw new FormatError("truncated attribute at offset " + o)
        const type = data[o]
        const len = data[o + 1] * 4
        if (len === 0) throw new FormatError("attribute " + type + " with length 0")
        if (o + len > data.length) throw new FormatError("attribute " + type + " overruns the message")
        const row = KNOWN.indexOf(type)
        if (row < 0 && type >= 128) {
            o += len
            continue
        }
        if (row < 0) throw new FormatError("unknown non-skippable attribute " + type)
        if (allowed !== null && allowed.indexOf(type) < 0) throw new FormatError("attribute " + type + " not allowed here")
        for (let i = 0; i < attributes.length; i++) {
            if (attributes[i].type === type && type !== AT_KDF) throw new FormatError("duplicate attribute " + type)
        }
        const value = readOnlyView(data, o + 2, o + len)
        m.put(row, value, prime)
        if (type === AT_MAC) m.macOffset = o + 4
        attributes.push({ type: type, value: value })
        o += len
    }
    return m
}

/** Decodes the Type-Data of an EAP-AKA (type 23) or EAP-AKA' (type 50) packet. */
export function decodeAkaMessage(typeData: Buffer, context: number, prime: boolean): AkaMessage {
    if (typeData.length < 3) throw new FormatError("EAP-AKA message shorter than subtype and reserved fields")
    const subtype = typeData[0]
    const table = context === CONTEXT_REQUEST ? REQ_ALLOWED : RESP_ALLOWED
    const allowed = table[subtype] // undefined for a subtype with no entry, in Node and in the VM
    if (allowed === undefined) {
        throw new FormatError("subtype " + subtype + " is not a valid " + (context === CONTEXT_REQUEST ? "request" : "response"))
    }
    const m = decodeAttributes(typeData, 3, allowed, prime)
    m.subtype = subtype
    return m
}

export function findAttribute(attrs: AkaAttribute[], type: number): AkaAttribute | null {
    for (let i = 0; i < attrs.length; i++) if (attrs[i].type === type) return attrs[i]
    return null
}

/**
 * Encodes attributes (values already laid out) after `head` zero bytes; returns the bytes and the
 * offset of AT_MAC's value within them (-1 when there is none).
 */
export function encodeAttributes(attrs: AkaAttribute[], head: number): { bytes: Buffer; macOffset: number } {
    let n = head
    for (let i = 0; i < attrs.length; i++) {
        const len = attrs[i].value.length + 2
        if (len % 4 !== 0 || len > 1020) throw new FormatError("attribute " + attrs[i].type + " value not padded to 4 bytes")
        n += len
    }
    const out = zeroBytes(n)
    let o = head
    let macOffset = -1
    for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i]
        out[o] = a.type
        out[o + 1] = (a.value.length + 2) / 4
        out.set(a.value, o + 2)
        if (a.type === AT_MAC) macOffset = o + 4
        o += a.value.length + 2
    }
    return { bytes: out, macOffset: macOffset }
}

// ---- value layouts ----

/** 2 reserved bytes then 16 bytes: AT_RAND, AT_AUTN, AT_MAC, AT_IV, AT_NONCE_S. */
export function attrReserved16(type: number, data16: Buffer): AkaAttribute {
    if (data16.length !== 16) throw new FormatError("attribute " + type + " needs 16 bytes")
    return attrReservedData(type, data16)
}

/** A 16-bit field: AT_NOTIFICATION, AT_COUNTER, AT_CLIENT_ERROR_CODE, AT_KDF, AT_BIDDING; or a flag with 0. */
export function attrU16(type: number, v: number): AkaAttribute {
    const value = Buffer.alloc(2)
    value[0] = (v >> 8) & 0xff
    value[1] = v & 0xff
    return { type: type, value: value }
}

export function valueU16(a: AkaAttribute): number {
    return (a.value[0] << 8) | a.value[1]
}

/** An actual-length field, the bytes, zero padding: AT_IDENTITY, AT_KDF_INPUT, AT_NEXT_*, payment attributes. */
export function attrLengthPrefixed(type: number, bytes: Buffer): AkaAttribute {
    const len = 2 + bytes.length
    const v = zeroBytes(len + ((4 - ((len + 2) % 4)) % 4))
    v[0] = (bytes.length >> 8) & 0xff
    v[1] = bytes.length & 0xff
    v.set(bytes, 2)
    return { type: type, value: v }
}

export function valueLengthPrefixed(a: AkaAttribute): Buffer {
    return readOnlyView(a.value, 2, 2 + ((a.value[0] << 8) | a.value[1]))
}

/** 2 reserved bytes then data: AT_CHECKCODE, AT_ENCR_DATA. */
export function attrReservedData(type: number, data: Buffer): AkaAttribute {
    const v = zeroBytes(2 + data.length)
    v.set(data, 2)
    return { type: type, value: v }
}

/** A flag: 2 reserved bytes (AT_RESULT_IND, AT_COUNTER_TOO_SMALL, the identity requests). */
export function attrFlag(type: number): AkaAttribute {
    return attrU16(type, 0)
}
