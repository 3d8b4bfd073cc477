// The canonical transaction history: the exact bytes a holder reads on the card and signs (the
// eContent of the CMS SignedData, RFC 5652 5.2, id-data). The certificate patent's embodiment has
// the service provider send the history and the card sign what its display showed, so the format
// is one that both sides rebuild byte for byte and that the card can show as is: printable ASCII
// lines ending in LF, at most 1,024 bytes, fields in a fixed order:
//
//   ACTIVECARD HISTORY 1
//   ID <transaction id: 1-32 of A-Z a-z 0-9 ->
//   BY <party asking: 1-32 printable>
//   AT <UTC time YYYY-MM-DDTHH:MM:SSZ>
//   FOR tel:+<1-15 digits>          (optional: the holder, as the certificate's subjectAltName names it)
//   - <text: 1-64 printable>        (1 to 8 lines the holder reads)
//
// FOR is there when the party asking knows the holder (a service provider sends the history to one
// card) and absent when it cannot (a vending machine's challenge: the certificate names the
// holder); an absent FOR parses to phone "". Whoever requires a holder checks `phone` itself.
// Names and texts neither start nor end with a space: the display trims trailing blanks, and
// what the holder signs is what the holder saw. The parser refuses anything else.

import { FormatError } from "../format-error"
import { fromUtf8, hex } from "../bytes"

export interface TransactionHistory {
    id: string
    /** The party asking for the signature (the service provider). */
    by: string
    /** UTC, YYYY-MM-DDTHH:MM:SSZ. */
    at: string
    /** The holder's number, "+" and digits (E.164); "" without a FOR line. */
    phone: string
    /** 1 to 8 lines the holder reads. */
    lines: string[]
}

export const HISTORY_MAGIC = "ACTIVECARD HISTORY 1"
export const MAX_HISTORY_BYTES = 1024
export const MAX_HISTORY_LINES = 8
/** Characters per row on the card's 128x32 OLED (6-pixel cells). */
export const DISPLAY_COLUMNS = 21

const ID = 1
const DIGITS = 2

/** `s` is min..max characters, each printable ASCII (or of the narrower kind). */
function checkText(s: string, min: number, max: number, kind: number, what: string): void {
    if (s.length < min || s.length > max) throw new FormatError(what + " must be " + min + ".." + max + " characters")
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        const digit = c >= 0x30 && c <= 0x39
        const ok = kind === DIGITS ? digit : kind === ID ? digit || c === 0x2d || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) : c >= 0x20 && c <= 0x7e
        if (!ok) throw new FormatError(what + " has a character out of its set")
    }
    if (kind === 0 && (s.charCodeAt(0) === 0x20 || s.charCodeAt(s.length - 1) === 0x20)) throw new FormatError(what + " starts or ends with a space")
}

/** Each two-digit field of the time: where it starts, its least and its greatest value (MM DD hh mm ss). */
const TIME_FIELDS = hex`05010c 08011f 0b0017 0e003b 11003b`

function checkTime(at: string): void {
    const shape = "0000-00-00T00:00:00Z"
    let ok = at.length === shape.length
    for (let i = 0; ok && i < shape.length; i++) {
        const c = at.charCodeAt(i)
        ok = shape.charCodeAt(i) === 0x30 ? c >= 0x30 && c <= 0x39 : c === shape.charCodeAt(i)
    }
    for (let i = 0; ok && i < TIME_FIELDS.length; i += 3) {
        const v = (at.charCodeAt(TIME_FIELDS[i]) - 0x30) * 10 + at.charCodeAt(TIME_FIELDS[i] + 1) - 0x30
        ok = v >= TIME_FIELDS[i + 1] && v <= TIME_FIELDS[i + 2]
    }
    if (!ok) throw new FormatError("time must be UTC YYYY-MM-DDTHH:MM:SSZ")
}

export function validateHistory(h: TransactionHistory): void {
    checkText(h.id, 1, 32, ID, "transaction ID")
    checkText(h.by, 1, 32, 0, "party name")
    checkTime(h.at)
    if (h.phone !== "") {
        if (h.phone.charCodeAt(0) !== 0x2b) throw new FormatError("phone number must start with +")
        checkText(h.phone.slice(1), 1, 15, DIGITS, "phone number")
    }
    if (h.lines.length < 1 || h.lines.length > MAX_HISTORY_LINES) throw new FormatError("history must have 1.." + MAX_HISTORY_LINES + " text lines")
    for (let i = 0; i < h.lines.length; i++) checkText(h.lines[i], 1, 64, 0, "text line")
}

/** The canonical bytes of `h`; FormatError when a field is out of the format. */
export function encodeHistory(h: TransactionHistory): Buffer {
    validateHistory(h)
    let s = HISTORY_MAGIC + "\nID " + h.id + "\nBY " + h.by + "\nAT " + h.at + "\n" + (h.phone === "" ? "" : "FOR tel:" + h.phone + "\n")
    for (let i = 0; i < h.lines.length; i++) s = s + "- " + h.lines[i] + "\n"
    const b = fromUtf8(s)
    if (b.length > MAX_HISTORY_BYTES) throw new FormatError("history longer than " + MAX_HISTORY_BYTES + " bytes")
    return b
}

/** The field after `prefix` on line `n`. */
function field(lines: string[], n: number, prefix: string): string {
    const line = lines[n]
    if (line.slice(0, prefix.length) !== prefix) throw new FormatError("line " + (n + 1) + " must start with '" + prefix + "'")
    return line.slice(prefix.length)
}

/** The history in `b`, which must be canonical: parsing and encoding again gives the same bytes. */
export function parseHistory(b: Buffer): TransactionHistory {
    if (b.length === 0) throw new FormatError("empty history")
    if (b.length > MAX_HISTORY_BYTES) throw new FormatError("history longer than " + MAX_HISTORY_BYTES + " bytes")
    const lines: string[] = []
    let start = 0
    for (let i = 0; i < b.length; i++) {
        const c = b[i]
        if (c === 0x0a) {
            if (i === start) throw new FormatError("empty line in history")
            lines.push(b.slice(start, i).toString("utf8"))
            start = i + 1
        } else if (c === 0x0d) throw new FormatError("CR in history (lines end with LF only)")
        else if (c < 0x20 || c > 0x7e) throw new FormatError("non-printable byte in history")
    }
    if (start !== b.length) throw new FormatError("history must end with LF")
    const n = lines.length
    if (lines[0] !== HISTORY_MAGIC) throw new FormatError("not an " + HISTORY_MAGIC)
    // The text lines follow FOR, or AT when the line after AT is a text line already (no FOR).
    const first = n > 4 && lines[4].slice(0, 2) === "- " ? 4 : 5
    if (n <= first) throw new FormatError("history misses fields")
    if (n > first + MAX_HISTORY_LINES) throw new FormatError("history has more than " + MAX_HISTORY_LINES + " text lines")
    const text: string[] = []
    for (let i = first; i < n; i++) text.push(field(lines, i, "- "))
    const h: TransactionHistory = { id: field(lines, 1, "ID "), by: field(lines, 2, "BY "), at: field(lines, 3, "AT "), phone: first > 4 ? "+" + field(lines, 4, "FOR tel:+") : "", lines: text }
    validateHistory(h)
    return h
}

/** Appends `s` to `out` in rows of at most DISPLAY_COLUMNS, broken at the last space that fits. */
/** Appends `s` to `out` as rows of the OLED, broken at spaces where a word allows it. */
export function wrapInto(out: string[], s: string): void {
    let rest = s
    while (rest.length > DISPLAY_COLUMNS) {
        let cut = DISPLAY_COLUMNS
        while (cut > 0 && rest.charCodeAt(cut) !== 0x20) cut--
        if (cut === 0) {
            out.push(rest.slice(0, DISPLAY_COLUMNS))
            rest = rest.slice(DISPLAY_COLUMNS)
        } else {
            out.push(rest.slice(0, cut))
            rest = rest.slice(cut + 1)
        }
    }
    if (rest.length > 0) out.push(rest)
}

/** What the card shows before the holder signs: every field of `h`, wrapped to the OLED's rows. */
export function historyDisplayLines(h: TransactionHistory): string[] {
    const out: string[] = []
    wrapInto(out, "ID " + h.id)
    wrapInto(out, "BY " + h.by)
    wrapInto(out, "AT " + h.at)
    if (h.phone !== "") wrapInto(out, "FOR tel:" + h.phone)
    for (let i = 0; i < h.lines.length; i++) wrapInto(out, h.lines[i])
    return out
}
