// TLS 1.3 records (RFC 8446 section 5) protected with AES-128-GCM: a record is type, legacy
// version 0x0303 and a 16-bit length, then the fragment. Protected, its type reads
// application_data and the fragment is the AEAD of TLSInnerPlaintext (the content, its real type,
// zero padding) under the per-record nonce (the write IV XOR the 64-bit sequence number) with the
// record header as additional data. Each direction's RecordProtection counts its own records.
// A record that breaks the rules is a TlsAlert (alert.ts).

import { aes128GcmKey, aes128GcmOpen, aes128GcmSeal, Aes128GcmKey } from "../crypto/aes128-gcm"
import { TrafficKeys } from "./key-schedule"
import { ALERT_BAD_RECORD_MAC, ALERT_RECORD_OVERFLOW, ALERT_UNEXPECTED_MESSAGE, TlsAlert } from "./alert"

export const CONTENT_CHANGE_CIPHER_SPEC = 20
export const CONTENT_ALERT = 21
export const CONTENT_HANDSHAKE = 22
export const CONTENT_APPLICATION_DATA = 23


/** Largest plaintext fragment, and the largest protected one (RFC 8446 5.1, 5.2). */
export const MAX_PLAINTEXT = 16384
const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256
const TAG_LENGTH = 16

export interface TlsRecord {
    type: number
    /** The five header bytes (the additional data of a protected record). */
    header: Buffer
    fragment: Buffer
    /** Where the next record starts. */
    end: number
}

/** The record at `offset` of `b`, or null when it has not all arrived. */
export function readRecord(b: Buffer, offset: number): TlsRecord | null {
    if (b.length - offset < 5) return null
    const type = b[offset]
    if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_APPLICATION_DATA) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "record of unknown type " + type)
    const length = (b[offset + 3] << 8) | b[offset + 4]
    if (length === 0 && type !== CONTENT_APPLICATION_DATA) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "empty record of type " + type)
    if (length > MAX_CIPHERTEXT) throw new TlsAlert(ALERT_RECORD_OVERFLOW, "record of " + length + " bytes")
    if (b.length - offset - 5 < length) return null
    // The legacy version is ignored, as RFC 8446 5.1 asks.
    return { type: type, header: b.slice(offset, offset + 5), fragment: b.slice(offset + 5, offset + 5 + length), end: offset + 5 + length }
}

/** A record's five header bytes. */
function header(type: number, length: number): Buffer {
    const h = Buffer.alloc(5)
    h[0] = type
    h[1] = 3
    h[2] = 3
    h[3] = (length >> 8) & 0xff
    h[4] = length & 0xff
    return h
}

/** A record sent in the clear (the ClientHello, an alert before keys). */
export function plainRecord(type: number, content: Buffer): Buffer {
    if (content.length > MAX_PLAINTEXT) throw new RangeError("record content over " + MAX_PLAINTEXT + " bytes")
    const out = Buffer.alloc(5 + content.length)
    out.set(header(type, content.length), 0)
    out.set(content, 5)
    return out
}

/** One direction's protection: its key, its IV and the count of its records. */
export class RecordProtection {
    private readonly key: Aes128GcmKey
    private readonly iv: Buffer
    /** The sequence number of the next record. */
    sequence = 0

    constructor(
        keys: TrafficKeys,
        /** Lets the VM run other fibers between parts of a long record. */
        private readonly yieldSlice: () => Promise<void>,
    ) {
        this.key = aes128GcmKey(keys.key)
        this.iv = keys.iv
    }

    private nonce(): Buffer {
        const n = Buffer.from(this.iv)
        // The 64-bit sequence number, right-aligned, XORed in (under 2^32 records here).
        const s = this.sequence
        for (let i = 0; i < 4; i++) n[11 - i] ^= (s >>> (8 * i)) & 0xff
        this.sequence = s + 1
        return n
    }

    /** A protected record carrying `content` of `type`. */
    async seal(type: number, content: Buffer): Promise<Buffer> {
        if (content.length > MAX_PLAINTEXT) throw new RangeError("record content over " + MAX_PLAINTEXT + " bytes")
        const inner = Buffer.alloc(content.length + 1)
        inner.set(content, 0)
        inner[content.length] = type
        const aad = header(CONTENT_APPLICATION_DATA, inner.length + TAG_LENGTH)
        const sealed = await aes128GcmSeal(this.key, this.nonce(), inner, aad, this.yieldSlice)
        const out = Buffer.alloc(5 + sealed.length)
        out.set(aad, 0)
        out.set(sealed, 5)
        return out
    }

    /** The content and real type of a protected record (readRecord's), or a TlsAlert. */
    async open(record: TlsRecord): Promise<{ type: number; content: Buffer }> {
        if (record.type !== CONTENT_APPLICATION_DATA) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "record of type " + record.type + " where a protected one was due")
        if (record.fragment.length < TAG_LENGTH + 1) throw new TlsAlert(ALERT_BAD_RECORD_MAC, "protected record shorter than its tag")
        const inner = await aes128GcmOpen(this.key, this.nonce(), record.fragment, record.header, this.yieldSlice)
        if (inner === null) throw new TlsAlert(ALERT_BAD_RECORD_MAC, "record does not authenticate")
        // The real type is the last byte that is not padding.
        let end = inner.length - 1
        while (end >= 0 && inner[end] === 0) end--
        if (end < 0) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "protected record with no content type")
        if (end > MAX_PLAINTEXT) throw new TlsAlert(ALERT_RECORD_OVERFLOW, "protected record of " + end + " bytes of content")
        return { type: inner[end], content: inner.slice(0, end) }
    }
}
