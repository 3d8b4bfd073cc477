// The fields of the card's X.509 v3 certificate (RFC 5280 4.1) that the vending machine checks,
// read strictly: an Ed25519 certificate (RFC 8410) as the CA issues it, and nothing the machine
// would have to guess about. Refused (FormatError): another version or algorithm, a serial that
// is negative, zero-padded or over 20 octets, a time not in the DER form of RFC 5280 4.1.2.5, a
// subjectPublicKeyInfo other than id-Ed25519 with a 32-byte key, unique identifiers, a repeated
// extension, an unknown critical one, anything after the last field.

import { copyOf, hex, toHex, utf8At } from "../bytes"
import { at, children, content, inner, readDer, whole, type Tlv } from "../asn1/der"
import { FormatError } from "../format-error"

/** AlgorithmIdentifier id-Ed25519 (1.3.101.112), parameters absent (RFC 8410 3). */
export const ALG_ED25519 = hex`300506032b6570`
/** [0] EXPLICIT Version v3. */
const VERSION_3 = hex`a003020102`
/** The SubjectPublicKeyInfo of an Ed25519 key before its 32 bytes. */
const SPKI_ED25519_HEAD = hex`302a300506032b6570032100`
const OID_KEY_USAGE = hex`0603551d0f`
const OID_SUBJECT_ALT_NAME = hex`0603551d11`
const OID_AUTHORITY_KEY_ID = hex`0603551d23`
const OID_COMMON_NAME = hex`0603550403`
const BOOLEAN_TRUE = hex`0101ff`
/** keyUsage digitalSignature (bit 0). */
export const KU_DIGITAL_SIGNATURE = 1

export interface CardCertificate {
    /** The DER TBSCertificate, which the CA's signature covers. */
    tbs: Buffer
    /** The serialNumber INTEGER's content octets, and its hex without a sign byte. */
    serial: Buffer
    serialHex: string
    /** The whole DER issuer Name. */
    issuer: Buffer
    subject: Buffer
    /** The subject's commonName, or "". */
    holder: string
    /** The tel: URI's number in subjectAltName ("+8210..."), or "". */
    phone: string
    notBefore: number
    notAfter: number
    /** The 32-byte Ed25519 public key. */
    publicKey: Buffer
    /** keyUsage bits, bit i of the BIT STRING (0 = digitalSignature) as 1 << i; 0 when absent. */
    keyUsage: number
    /** authorityKeyIdentifier's keyIdentifier, or null. */
    authorityKeyId: Buffer | null
    /** The 64-byte Ed25519 signature. */
    signature: Buffer
}

/** Equal bytes (public data: no constant time needed). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
    if (a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
}

/** The element's whole encoding equals `expected`. */
export function isExactly(b: Buffer, t: Tlv, expected: Buffer): boolean {
    return t.end - t.start === expected.length && sameBytes(whole(b, t), expected)
}

/** Two decimal digits at b[off]; `min`..`max`. */
function digits2(b: Buffer, off: number, min: number, max: number): number {
    const h = b[off] - 0x30
    const l = b[off + 1] - 0x30
    if (h < 0 || h > 9 || l < 0 || l > 9) throw new FormatError("DER: time digit expected")
    const v = h * 10 + l
    if (v < min || v > max) throw new FormatError("DER: time field out of range")
    return v
}

/**
 * A UTCTime (YYMMDDHHMMSSZ, 19YY when YY >= 50) or GeneralizedTime (YYYYMMDDHHMMSSZ) as seconds
 * since 1970, in the fixed forms of RFC 5280 4.1.2.5.
 */
export function readTime(b: Buffer, t: Tlv): number {
    const n = t.end - t.body
    const utc = t.tag === 0x17
    if ((utc ? n !== 13 : t.tag !== 0x18 || n !== 15) || b[t.end - 1] !== 0x5a) throw new FormatError("DER: not a UTCTime or GeneralizedTime in DER form")
    let o = t.body
    let year = digits2(b, o, 0, 99)
    if (utc) year += year >= 50 ? 1900 : 2000
    else {
        year = year * 100 + digits2(b, o + 2, 0, 99)
        o += 2
    }
    const month = digits2(b, o + 2, 1, 12)
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
    const day = digits2(b, o + 4, 1, month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)
    const seconds = digits2(b, o + 6, 0, 23) * 3600 + digits2(b, o + 8, 0, 59) * 60 + digits2(b, o + 10, 0, 59)
    // Days from the civil date (eras of 400 years, years from March).
    const y = month <= 2 ? year - 1 : year
    const era = Math.floor(y / 400)
    const yoe = y - era * 400
    const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
    const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
    return days * 86400 + seconds
}

/** A positive certificate serial (RFC 5280 4.1.2.2): its content octets, minimal, at most 20 of value. */
export function readSerial(b: Buffer, t: Tlv): Buffer {
    const n = t.end - t.body
    if (t.tag !== 0x02 || n < 1 || n > 21) throw new FormatError("X.509: serial missing or too long")
    const first = b[t.body]
    if (first >= 0x80) throw new FormatError("X.509: negative serial")
    if (first === 0 && (n === 1 || b[t.body + 1] < 0x80)) throw new FormatError("X.509: serial zero or not minimal")
    if (n === 21 && first !== 0) throw new FormatError("X.509: serial over 20 octets")
    return content(b, t)
}

/** The serial's hex without the sign byte (how the CA and the CRL name it). */
export function serialHex(serial: Buffer): string {
    return toHex(serial[0] === 0 ? copyOf(serial, 1, serial.length) : serial)
}

/** The content of a BIT STRING of whole octets (no unused bits): a key or a signature. */
export function readOctetBits(b: Buffer, t: Tlv, length: number): Buffer {
    if (t.tag !== 0x03 || t.end - t.body !== length + 1 || b[t.body] !== 0) throw new FormatError("DER: BIT STRING of " + length + " octets expected")
    return copyOf(b, t.body + 1, t.end)
}

/** The bits of a BIT STRING as a number, bit i (first octet's most significant = 0) as 1 << i (16 bits at most). */
function readFlags(b: Buffer, t: Tlv): number {
    const n = t.end - t.body
    if (t.tag !== 0x03 || n < 1 || n > 3 || b[t.body] > 7 || (n === 1 && b[t.body] !== 0)) throw new FormatError("X.509: bad flags BIT STRING")
    let v = 0
    for (let i = 0; i < (n - 1) * 8; i++) if ((b[t.body + 1 + (i >> 3)] & (0x80 >> (i & 7))) !== 0) v |= 1 << i
    return v
}

/** The commonName of a Name (the first one), or "". */
function commonName(b: Buffer, name: Tlv): string {
    const rdns = children(b, name)
    for (let i = 0; i < rdns.length; i++) {
        const atvs = children(b, at(rdns, i, 0x31))
        for (let j = 0; j < atvs.length; j++) {
            const f = children(b, at(atvs, j, 0x30))
            if (f.length !== 2) throw new FormatError("X.509: bad attribute")
            if (isExactly(b, at(f, 0, 0x06), OID_COMMON_NAME)) {
                const v = f[1]
                if (v.tag !== 0x0c && v.tag !== 0x13) throw new FormatError("X.509: commonName neither UTF8String nor PrintableString")
                return utf8At(b, v.body, v.end - v.body)
            }
        }
    }
    return ""
}

/** The number of the first tel: URI in a GeneralNames, or "". */
function telephone(b: Buffer, names: Tlv): string {
    const list = children(b, names)
    for (let i = 0; i < list.length; i++) {
        const g = list[i]
        if (g.tag === 0x86 && g.end - g.body > 4) {
            const uri = utf8At(b, g.body, g.end - g.body)
            if (uri.slice(0, 4) === "tel:") return uri.slice(4)
        }
    }
    return ""
}

/** The card certificate's fields; FormatError when `der` is not such a certificate. */
export function parseCardCertificate(der: Buffer): CardCertificate {
    const top = children(der, readDer(der, 0x30))
    if (top.length !== 3) throw new FormatError("X.509: not three fields")
    const tbsT = at(top, 0, 0x30)
    if (!isExactly(der, at(top, 1, 0x30), ALG_ED25519)) throw new FormatError("X.509: signature algorithm is not Ed25519")
    const signature = readOctetBits(der, at(top, 2, 0x03), 64)
    const f = children(der, tbsT)
    if (f.length !== 8) throw new FormatError("X.509: not a v3 TBSCertificate with extensions")
    if (!isExactly(der, at(f, 0, 0xa0), VERSION_3)) throw new FormatError("X.509: not version 3")
    const serial = readSerial(der, at(f, 1, 0x02))
    if (!isExactly(der, at(f, 2, 0x30), ALG_ED25519)) throw new FormatError("X.509: TBS signature algorithm is not Ed25519")
    const issuer = at(f, 3, 0x30)
    const validity = children(der, at(f, 4, 0x30))
    if (validity.length !== 2) throw new FormatError("X.509: bad validity")
    const subject = at(f, 5, 0x30)
    const spki = at(f, 6, 0x30)
    if (spki.end - spki.start !== 44 || !sameBytes(copyOf(der, spki.start, spki.start + 12), SPKI_ED25519_HEAD)) throw new FormatError("X.509: key is not Ed25519")
    let keyUsage = 0
    let phone = ""
    let aki: Buffer | null = null
    const seen: string[] = []
    const exts = children(der, inner(der, at(f, 7, 0xa3), 0x30))
    if (exts.length === 0) throw new FormatError("X.509: empty extensions")
    for (let i = 0; i < exts.length; i++) {
        const e = children(der, at(exts, i, 0x30))
        const oid = at(e, 0, 0x06)
        const key = toHex(whole(der, oid))
        if (seen.indexOf(key) >= 0) throw new FormatError("X.509: repeated extension")
        seen.push(key)
        let critical = false
        let k = 1
        if (e.length === 3) {
            if (!isExactly(der, at(e, 1, 0x01), BOOLEAN_TRUE)) throw new FormatError("X.509: critical must be TRUE when present")
            critical = true
            k = 2
        } else if (e.length !== 2) throw new FormatError("X.509: bad extension")
        const value = at(e, k, 0x04)
        if (isExactly(der, oid, OID_KEY_USAGE)) keyUsage = readFlags(der, inner(der, value, 0x03))
        else if (isExactly(der, oid, OID_SUBJECT_ALT_NAME)) phone = telephone(der, inner(der, value, 0x30))
        else if (isExactly(der, oid, OID_AUTHORITY_KEY_ID)) {
            const ids = children(der, inner(der, value, 0x30))
            if (ids.length > 0 && ids[0].tag === 0x80) aki = content(der, ids[0])
        } else if (critical) throw new FormatError("X.509: unknown critical extension")
    }
    return {
        tbs: whole(der, tbsT),
        serial: serial,
        serialHex: serialHex(serial),
        issuer: whole(der, issuer),
        subject: whole(der, subject),
        holder: commonName(der, subject),
        phone: phone,
        notBefore: readTime(der, at(validity, 0, -1)),
        notAfter: readTime(der, at(validity, 1, -1)),
        publicKey: copyOf(der, spki.start + 12, spki.end),
        keyUsage: keyUsage,
        authorityKeyId: aki,
        signature: signature,
    }
}

