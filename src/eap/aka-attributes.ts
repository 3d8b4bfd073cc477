// EAP-AKA / EAP-AKA' messages and attributes (RFC 4187 sections 8-11, RFC 9048 sections 3-4),
// plus the payment extension's skippable attributes. Decoding is strict, in the manner of
// hostapd's eap_sim_parse_attr: every length checked, no duplicates (AT_KDF excepted), only the
// attributes a message may carry, unknown non-skippable attributes rejected, unknown skippable
// attributes (128-255) ignored.

import { readOnlyView, zeroBytes } from "../bytes"
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
     * and puts it into its field, one case per attribute as in hostapd's eap_sim_parse_attr().
     */
    put(t: number, v: Buffer, prime: boolean): void {
        const n = v.length
        if (t === AT_RAND) this.rand = reserved16(t, v)
        else if (t === AT_AUTN) this.autn = reserved16(t, v)
        else if (t === AT_MAC) this.mac = reserved16(t, v)
        else if (t === AT_IV) this.iv = reserved16(t, v)
        else if (t === AT_NONCE_S) this.nonceS = reserved16(t, v)
        else if (t === AT_AUTS) {
            if (n !== 14) throw invalidLength(t, v)
            this.auts = v
        } else if (t === AT_RES) {
            // The actual length is in bits: 32 to 128, whole bytes.
            const bits = actualLength(v)
            if (!(bits >= 32 && bits <= 128 && bits % 8 === 0 && n >= 2 + bits / 8 && n - 2 - bits / 8 < 4)) throw invalidLength(t, v)
            this.res = readOnlyView(v, 2, 2 + bits / 8)
        } else if (t === AT_CHECKCODE) {
            if (n !== 2 && n !== 2 + (prime ? 32 : 20)) throw invalidLength(t, v)
            this.checkcode = readOnlyView(v, 2, n)
        } else if (t === AT_ENCR_DATA) {
            if (n < 18 || (n - 2) % 16 !== 0) throw invalidLength(t, v)
            this.encrData = readOnlyView(v, 2, n)
        } else if (t === AT_PADDING) {
            for (let i = 0; i < n; i++) if (v[i] !== 0) throw invalidLength(t, v)
        } else if (t === AT_IDENTITY) this.identity = lengthPrefixed(t, v, true)
        else if (t === AT_KDF_INPUT) this.kdfInput = lengthPrefixed(t, v, true)
        else if (t === AT_NEXT_PSEUDONYM) this.nextPseudonym = lengthPrefixed(t, v, false)
        else if (t === AT_NEXT_REAUTH_ID) this.nextReauthId = lengthPrefixed(t, v, false)
        else if (t === AT_PAYMENT) this.payment = lengthPrefixed(t, v, false)
        else if (t === AT_PAYMENT_RESULT) this.paymentResult = lengthPrefixed(t, v, false)
        else if (t === AT_KDF) this.kdfs.push(u16(t, v))
        else if (t === AT_BIDDING) this.bidding = u16(t, v)
        else if (t === AT_NOTIFICATION) this.notification = u16(t, v)
        else if (t === AT_CLIENT_ERROR_CODE) this.clientErrorCode = u16(t, v)
        else if (t === AT_COUNTER) this.counter = u16(t, v)
        else {
            u16(t, v) // the flags
            if (t === AT_ANY_ID_REQ) this.anyIdReq = true
            else if (t === AT_FULLAUTH_ID_REQ) this.fullauthIdReq = true
            else if (t === AT_PERMANENT_ID_REQ) this.permanentIdReq = true
            else if (t === AT_RESULT_IND) this.resultInd = true
            else if (t === AT_COUNTER_TOO_SMALL) this.counterTooSmall = true
        }
    }
}

/** Where a list of attributes comes from: decides which attributes are allowed. */
export const CONTEXT_REQUEST = 1
export const CONTEXT_RESPONSE = 2

const REQ_ALLOWED: number[][] = []
const RESP_ALLOWED: number[][] = []
REQ_ALLOWED[SUBTYPE_IDENTITY] = [AT_PERMANENT_ID_REQ, AT_ANY_ID_REQ, AT_FULLAUTH_ID_REQ]
REQ_ALLOWED[SUBTYPE_CHALLENGE] = [AT_RAND, AT_AUTN, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_IV, AT_ENCR_DATA, AT_BIDDING, AT_KDF, AT_KDF_INPUT, AT_PAYMENT]
REQ_ALLOWED[SUBTYPE_REAUTHENTICATION] = [AT_IV, AT_ENCR_DATA, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_PAYMENT]
REQ_ALLOWED[SUBTYPE_NOTIFICATION] = [AT_NOTIFICATION, AT_MAC, AT_IV, AT_ENCR_DATA, AT_PAYMENT_RESULT]
RESP_ALLOWED[SUBTYPE_IDENTITY] = [AT_IDENTITY]
RESP_ALLOWED[SUBTYPE_CHALLENGE] = [AT_RES, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_KDF, AT_PAYMENT]
RESP_ALLOWED[SUBTYPE_AUTHENTICATION_REJECT] = []
RESP_ALLOWED[SUBTYPE_SYNCHRONIZATION_FAILURE] = [AT_AUTS, AT_KDF]
RESP_ALLOWED[SUBTYPE_REAUTHENTICATION] = [AT_IV, AT_ENCR_DATA, AT_MAC, AT_RESULT_IND, AT_CHECKCODE, AT_PAYMENT]
RESP_ALLOWED[SUBTYPE_NOTIFICATION] = [AT_MAC, AT_IV, AT_ENCR_DATA]
RESP_ALLOWED[SUBTYPE_CLIENT_ERROR] = [AT_CLIENT_ERROR_CODE]
const ENCRYPTED_ALLOWED = [AT_PADDING, AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID, AT_COUNTER, AT_NONCE_S, AT_COUNTER_TOO_SMALL]
const KNOWN = [
    AT_RAND, AT_AUTN, AT_RES, AT_AUTS, AT_PADDING, AT_PERMANENT_ID_REQ, AT_MAC, AT_NOTIFICATION, AT_ANY_ID_REQ, AT_IDENTITY,
    AT_FULLAUTH_ID_REQ, AT_COUNTER, AT_COUNTER_TOO_SMALL, AT_NONCE_S, AT_CLIENT_ERROR_CODE, AT_KDF_INPUT, AT_KDF, AT_IV,
    AT_ENCR_DATA, AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID, AT_CHECKCODE, AT_RESULT_IND, AT_BIDDING, AT_PAYMENT, AT_PAYMENT_RESULT,
]

function contains(list: number[], x: number): boolean {
    for (let i = 0; i < list.length; i++) if (list[i] === x) return true
    return false
}

function actualLength(v: Buffer): number {
    return (v[0] << 8) | v[1]
}

function invalidLength(t: number, v: Buffer): FormatError {
    return new FormatError("attribute " + t + " has an invalid length (" + (v.length + 2) + " bytes)")
}

/** 2 reserved bytes then 16 bytes of data. */
function reserved16(t: number, v: Buffer): Buffer {
    if (v.length !== 18) throw invalidLength(t, v)
    return readOnlyView(v, 2, 18)
}

/** A 16-bit field, or a flag's 2 reserved bytes. */
function u16(t: number, v: Buffer): number {
    if (v.length !== 2) throw invalidLength(t, v)
    return (v[0] << 8) | v[1]
}

/** An actual length in bytes, the data, then fewer than 4 bytes of padding; `nonEmpty` refuses no data. */
function lengthPrefixed(t: number, v: Buffer, nonEmpty: boolean): Buffer {
    const len = actualLength(v) // every value has at least 2 bytes: an attribute is at least 4
    if (2 + len > v.length || v.length - 2 - len >= 4 || (nonEmpty && len === 0)) throw invalidLength(t, v)
    return readOnlyView(v, 2, 2 + len)
}

/**
 * Decodes attributes from data[offset..]. Unknown skippable attributes are dropped; everything
 * else must be allowed in `allowed` (or, when `allowed` is null, be any known attribute).
 */
export function decodeAttributes(data: Buffer, offset: number, allowed: number[] | null, prime: boolean): AkaMessage {
    const m = new AkaMessage()
    const attributes = m.attributes
    let o = offset
    while (o < data.length) {
        if (data.length - o < 4) throw new FormatError("truncated attribute at offset " + o)
        const type = data[o]
        const len = data[o + 1] * 4
        if (len === 0) throw new FormatError("attribute " + type + " with length 0")
        if (o + len > data.length) throw new FormatError("attribute " + type + " overruns the message")
        const known = contains(KNOWN, type)
        if (!known || (allowed !== null && !contains(allowed, type))) {
            if (type < 128) throw new FormatError((known ? "attribute " + type + " not allowed here" : "unknown non-skippable attribute " + type))
            if (!known) {
                o += len
                continue
            }
            throw new FormatError("attribute " + type + " not allowed here")
        }
        if (type !== AT_KDF) {
            for (let i = 0; i < attributes.length; i++) {
                if (attributes[i].type === type) throw new FormatError("duplicate attribute " + type)
            }
        }
        const value = readOnlyView(data, o + 2, o + len)
        m.put(type, value, prime)
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
    const allowed = subtype < table.length ? table[subtype] : undefined
    if (allowed === undefined || allowed === null) {
        throw new FormatError("subtype " + subtype + " is not a valid " + (context === CONTEXT_REQUEST ? "request" : "response"))
    }
    const m = decodeAttributes(typeData, 3, allowed, prime)
    m.subtype = subtype
    return m
}

/** Decodes the plaintext of AT_ENCR_DATA. */
export function decodeEncryptedAttributes(plaintext: Buffer, prime: boolean): AkaMessage {
    return decodeAttributes(plaintext, 0, ENCRYPTED_ALLOWED, prime)
}

export function findAttribute(attrs: AkaAttribute[], type: number): AkaAttribute | null {
    for (let i = 0; i < attrs.length; i++) if (attrs[i].type === type) return attrs[i]
    return null
}

/** Encodes attributes (values already laid out); returns the bytes and the MAC offset within them. */
export function encodeAttributes(attrs: AkaAttribute[], startOffset: number): { bytes: Buffer; macOffset: number } {
    let n = 0
    for (let i = 0; i < attrs.length; i++) {
        const len = attrs[i].value.length + 2
        if (len % 4 !== 0 || len > 1020) throw new FormatError("attribute " + attrs[i].type + " value not padded to 4 bytes")
        n += len
    }
    const out = zeroBytes(n)
    let o = 0
    let macOffset = -1
    for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i]
        out[o] = a.type
        out[o + 1] = (a.value.length + 2) / 4
        out.set(a.value, o + 2)
        if (a.type === AT_MAC) macOffset = startOffset + o + 4
        o += a.value.length + 2
    }
    return { bytes: out, macOffset: macOffset }
}

/** Type-Data of an EAP-AKA/AKA' message: subtype, 2 reserved bytes, attributes. */
export function encodeAkaMessage(subtype: number, attrs: AkaAttribute[]): { data: Buffer; macOffset: number } {
    const body = encodeAttributes(attrs, 3)
    const data = zeroBytes(3 + body.bytes.length)
    data[0] = subtype
    data.set(body.bytes, 3)
    return { data: data, macOffset: body.macOffset }
}

// ---- value layouts ----

/** 2 reserved bytes then 16 bytes: AT_RAND, AT_AUTN, AT_MAC, AT_IV, AT_NONCE_S. */
export function attrReserved16(type: number, data16: Buffer): AkaAttribute {
    if (data16.length !== 16) throw new FormatError("attribute " + type + " needs 16 bytes")
    const v = Buffer.alloc(18)
    v.set(data16, 2)
    return { type: type, value: v }
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
    return readOnlyView(a.value, 2, 2 + actualLength(a.value))
}

/** AT_RES: RES length in bits, RES, padding. */
export function attrRes(res: Buffer): AkaAttribute {
    const v = zeroBytes(2 + res.length + ((4 - ((res.length + 4) % 4)) % 4))
    v[0] = ((res.length * 8) >> 8) & 0xff
    v[1] = (res.length * 8) & 0xff
    v.set(res, 2)
    return { type: AT_RES, value: v }
}

/** 2 reserved bytes then data: AT_CHECKCODE, AT_ENCR_DATA. */
export function attrReservedData(type: number, data: Buffer): AkaAttribute {
    const v = zeroBytes(2 + data.length)
    v.set(data, 2)
    return { type: type, value: v }
}

export function attrAuts(auts: Buffer): AkaAttribute {
    if (auts.length !== 14) throw new FormatError("AUTS must be 14 bytes")
    return { type: AT_AUTS, value: Buffer.from(auts) }
}

export function attrFlag(type: number): AkaAttribute {
    return { type: type, value: Buffer.alloc(2) }
}

/** AT_PADDING that brings `contentLength` bytes of plaintext up to a multiple of 16 (RFC 4187 10.12). */
export function paddingFor(contentLength: number): AkaAttribute | null {
    const rest = contentLength % 16
    if (rest === 0) return null
    return { type: AT_PADDING, value: Buffer.alloc(16 - rest - 2) }
}
