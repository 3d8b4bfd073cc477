// DER (ITU-T X.690 section 10) for the card's certificate messages: CMP enrolment (RFC 4210) and
// CMS signatures (RFC 5652). The writer concatenates tag, minimal length and content; constant
// parts (OIDs, algorithm identifiers, small integers) are precomputed DER in hex literals, so
// nothing is encoded from a dotted OID at run time. The reader takes one TLV at a time and accepts
// only what DER allows for the tags used here: a one-byte tag (numbers below 31), a definite
// length in the fewest bytes, the content inside the enclosing element. Everything else is a
// FormatError, so a parser above it sees only well-formed elements.

import { concat, fromUtf8, readOnlyView } from "../bytes"
import { FormatError } from "../format-error"
import { utcFields } from "../utc-time"

/** tag || length || parts concatenated (X.690 8.1.3: short form below 128, else the fewest bytes). */
export function tlv(tag: number, parts: Buffer[]): Buffer {
    const body = concat(parts)
    const n = body.length
    let lenBytes = 0
    for (let v = n; v > 0; v = Math.floor(v / 256)) lenBytes++
    const head = n < 128 ? 2 : 2 + lenBytes
    const out = Buffer.alloc(head + n)
    out[0] = tag
    if (n < 128) out[1] = n
    else {
        out[1] = 0x80 | lenBytes
        let v = n
        for (let i = head - 1; i > 1; i--) {
            out[i] = v & 0xff
            v = Math.floor(v / 256)
        }
    }
    out.set(body, head)
    return out
}

/** An INTEGER of the unsigned big-endian magnitude `b`: leading zeros dropped, a zero byte added before a high bit. */
export function derUint(b: Buffer): Buffer {
    let i = 0
    while (i < b.length - 1 && b[i] === 0) i++
    const pad = b.length > 0 && b[i] >= 0x80 ? 1 : 0
    const out = Buffer.alloc(b.length - i + pad)
    out.set(readOnlyView(b, i, b.length), pad)
    return tlv(0x02, [out])
}

/** A BIT STRING of whole octets (no unused bits). */
export function derBits(b: Buffer): Buffer {
    return tlv(0x03, [Buffer.alloc(1), b])
}

/** A UTF8String (0x0c) or PrintableString (0x13) of `s`. */
export function derText(tag: number, s: string): Buffer {
    return tlv(tag, [fromUtf8(s)])
}

/**
 * `seconds` since 1970 (UTC) as a GeneralizedTime, or as a UTCTime when `utc` and the year is in
 * 1950..2049 (RFC 5280 4.1.2.5, RFC 5652 11.3): YYYYMMDDHHMMSSZ or YYMMDDHHMMSSZ.
 */
export function derTime(seconds: number, utc: boolean): Buffer {
    const f = utcFields(seconds)
    const short = utc && f.year >= 1950 && f.year < 2050
    // Two digits each: century, year, month, day, hour, minute, second (% is exact below 2^31).
    const v = [Math.floor(f.year / 100), f.year % 100, f.month, f.day, f.hours, f.minutes, f.seconds]
    let text = ""
    for (let i = short ? 1 : 0; i < 7; i++) text += (v[i] < 10 ? "0" : "") + v[i]
    return derText(short ? 0x17 : 0x18, text + "Z")
}

/** The UTC time "YYYY-MM-DDTHH:MM:SSZ" (checked already) as derTime(its seconds, true) encodes it. */
export function derIsoTime(at: string): Buffer {
    const decade = parseInt(at.slice(0, 3)) - 195
    const short = decade >= 0 && decade < 10
    let text = ""
    // The digits and the final Z, without the separators (- T :).
    for (let i = short ? 2 : 0; i < at.length; i++) if ("-T:".indexOf(at.charAt(i)) < 0) text += at.charAt(i)
    return derText(short ? 0x17 : 0x18, text)
}

/** One element read: its tag, where it starts, where its content starts and where it ends. */
export interface Tlv {
    tag: number
    start: number
    body: number
    end: number
}

/**
 * The element at b[off..] that must end by `end`, with tag `tag` (or any tag when -1). Refused:
 * a multi-byte tag, an indefinite, non-minimal or over-long (above 2^24) length, content past
 * `end`, and another tag than asked.
 */
export function readTlv(b: Buffer, off: number, end: number, tag: number): Tlv {
    if (off + 2 > end) throw new FormatError("DER: truncated element")
    const t = b[off]
    if ((t & 0x1f) === 0x1f) throw new FormatError("DER: multi-byte tag")
    if (tag >= 0 && t !== tag) throw new FormatError("DER: tag " + t + " where " + tag + " was expected")
    let len = b[off + 1]
    let body = off + 2
    if (len >= 0x80) {
        const n = len - 0x80
        if (n === 0 || n > 3) throw new FormatError("DER: indefinite or over-long length")
        if (body + n > end) throw new FormatError("DER: truncated length")
        len = 0
        for (let i = 0; i < n; i++) len = len * 256 + b[body + i]
        body += n
        if (len < 128 || b[off + 2] === 0) throw new FormatError("DER: length not in the fewest bytes")
    }
    if (len > end - body) throw new FormatError("DER: content runs past its end")
    return { tag: t, start: off, body: body, end: body + len }
}

/** The element that is all of `b` (nothing after it). */
export function readDer(b: Buffer, tag: number): Tlv {
    return inner(b, { tag: -1, start: 0, body: 0, end: b.length }, tag)
}

/** The one element with tag `tag` that fills the content of `t` (an explicit tag, an OCTET STRING wrapper). */
export function inner(b: Buffer, t: Tlv, tag: number): Tlv {
    const c = readTlv(b, t.body, t.end, tag)
    if (c.end !== t.end) throw new FormatError("DER: bytes after the element")
    return c
}

/** The elements inside `t`, which must fill it exactly. */
export function children(b: Buffer, t: Tlv): Tlv[] {
    const out: Tlv[] = []
    for (let off = t.body; off < t.end; ) {
        const c = readTlv(b, off, t.end, -1)
        out.push(c)
        off = c.end
    }
    return out
}

/** list[i], which must exist and have tag `tag` (any tag when -1). */
export function at(list: Tlv[], i: number, tag: number): Tlv {
    if (i < 0 || i >= list.length || (tag >= 0 && list[i].tag !== tag)) throw new FormatError("DER: element " + i + " missing or not tag " + tag)
    return list[i]
}

/** The element's whole encoding (a view on Node, a copy on DeviceScript). */
export function whole(b: Buffer, t: Tlv): Buffer {
    return readOnlyView(b, t.start, t.end)
}

/** The element's content. */
export function content(b: Buffer, t: Tlv): Buffer {
    return readOnlyView(b, t.body, t.end)
}

/** A one-byte non-negative INTEGER (0..127): a version, a request ID, a status. */
export function readSmallInt(b: Buffer, t: Tlv): number {
    if (t.tag !== 0x02 || t.end - t.body !== 1 || b[t.body] >= 0x80) throw new FormatError("DER: not a small INTEGER")
    return b[t.body]
}

/**
 * The TBSCertificate fields of an X.509 certificate (RFC 5280 4.1) after the optional version:
 * serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then any others.
 */
export function tbsFields(cert: Buffer): Tlv[] {
    let f = children(cert, at(children(cert, readDer(cert, 0x30)), 0, 0x30))
    if (f.length > 0 && f[0].tag === 0xa0) f = f.slice(1)
    at(f, 0, 0x02)
    at(f, 2, 0x30)
    at(f, 5, 0x30)
    return f
}
