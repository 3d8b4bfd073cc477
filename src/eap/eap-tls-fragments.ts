// EAP-TLS Type-Data (RFC 5216 section 3, unchanged for TLS 1.3 by RFC 9190): a flags byte
//   L 0x80  a four-byte TLS Message Length follows (the whole message's, on its first fragment)
//   M 0x40  more fragments follow
//   S 0x20  EAP-TLS Start (the server's first request, no data)
// the five reserved bits sent as zero and ignored on receipt, then TLS records. A TLS message
// longer than one EAP packet travels in fragments, each acknowledged by the other side with an
// EAP-TLS message without data before the next is sent (RFC 5216 section 2.1.5).
// TlsReassembly is the receiving side as a state machine: IDLE -> COLLECTING (a first fragment
// with L and M) -> IDLE with the whole message; anything out of order is a FormatError that
// names it. splitTlsMessage is the sending side.

import { concat, copyOf, zeroBytes } from "../bytes"
import { FormatError } from "../format-error"

export const EAP_TYPE_TLS = 13
export const TLS_FLAG_LENGTH = 0x80
export const TLS_FLAG_MORE = 0x40
export const TLS_FLAG_START = 0x20
const KNOWN_FLAGS = TLS_FLAG_LENGTH | TLS_FLAG_MORE | TLS_FLAG_START

/** One EAP-TLS Type-Data: its flags (reserved bits cleared), the TLS Message Length or -1, the TLS data. */
export interface TlsFragment {
    flags: number
    messageLength: number
    data: Buffer
}

export function decodeTlsFragment(typeData: Buffer): TlsFragment {
    if (typeData.length < 1) throw new FormatError("EAP-TLS message without its flags byte")
    const flags = typeData[0] & KNOWN_FLAGS
    if ((flags & TLS_FLAG_LENGTH) === 0) return { flags: flags, messageLength: -1, data: copyOf(typeData, 1, typeData.length) }
    if (typeData.length < 5) throw new FormatError("EAP-TLS L flag without its four-byte TLS Message Length")
    // Read as unsigned without a 32-bit shift, which would turn a length of 2^31 or more negative.
    const messageLength = typeData[1] * 0x1000000 + ((typeData[2] << 16) | (typeData[3] << 8) | typeData[4])
    return { flags: flags, messageLength: messageLength, data: copyOf(typeData, 5, typeData.length) }
}

export function encodeTlsFragment(f: TlsFragment): Buffer {
    const withLength = (f.flags & TLS_FLAG_LENGTH) !== 0
    const head = zeroBytes(withLength ? 5 : 1)
    head[0] = f.flags & KNOWN_FLAGS
    if (withLength) {
        const n = f.messageLength
        head[1] = Math.floor(n / 0x1000000) & 0xff
        head[2] = (n >> 16) & 0xff
        head[3] = (n >> 8) & 0xff
        head[4] = n & 0xff
    }
    return concat([head, f.data])
}

/** An acknowledgement of a fragment, or the peer's answer to a Start with nothing to send yet. */
export function isTlsAck(f: TlsFragment): boolean {
    return f.data.length === 0 && (f.flags & (TLS_FLAG_MORE | TLS_FLAG_START)) === 0
}

/**
 * A TLS message cut into fragments of at most `maxData` bytes of TLS data: the first carries L
 * with the whole length when there are several, every one but the last M. One fragment goes
 * without L (RFC 5216 allows both; wpa_supplicant and hostapd send it so).
 */
export function splitTlsMessage(message: Buffer, maxData: number): TlsFragment[] {
    if (maxData < 1) throw new RangeError("EAP-TLS fragments need room for data")
    if (message.length <= maxData) return [{ flags: 0, messageLength: -1, data: message }]
    const out: TlsFragment[] = []
    for (let o = 0; o < message.length; o += maxData) {
        const end = Math.min(o + maxData, message.length)
        let flags = end < message.length ? TLS_FLAG_MORE : 0
        if (o === 0) flags |= TLS_FLAG_LENGTH
        out.push({ flags: flags, messageLength: o === 0 ? message.length : -1, data: copyOf(message, o, end) })
    }
    return out
}

export const REASSEMBLY_IDLE = "IDLE"
export const REASSEMBLY_COLLECTING = "COLLECTING"

/**
 * The receiving side: fragments in, checked against the message under way; the whole TLS message
 * out once the last has come (push), or only whether it has (accept: for a receiver that takes
 * each fragment's data as it comes).
 */
export class TlsReassembly {
    state = REASSEMBLY_IDLE
    private parts: Buffer[] = []
    private received = 0
    private expected = 0

    constructor(
        /** The longest TLS message accepted (what the receiver can hold). */
        private readonly maxMessage: number,
    ) {}

    /**
     * The whole message when `f` completes one, or null when `f` is a fragment to acknowledge.
     * Throws FormatError as accept.
     */
    push(f: TlsFragment): Buffer | null {
        const complete = this.accept(f)
        this.parts.push(f.data)
        if (!complete) return null
        const whole = concat(this.parts)
        this.parts = []
        return whole
    }

    /**
     * Whether `f` completes the message under way (false: a fragment to acknowledge). Throws
     * FormatError for a fragment out of order, a length announced or exceeded wrongly, or a
     * message longer than maxMessage; the reassembly then starts over.
     */
    accept(f: TlsFragment): boolean {
        try {
            return this.check(f)
        } catch (e) {
            this.reset()
            throw e
        }
    }

    private check(f: TlsFragment): boolean {
        const more = (f.flags & TLS_FLAG_MORE) !== 0
        if ((f.flags & TLS_FLAG_START) !== 0) throw new FormatError("EAP-TLS Start in the middle of an exchange")
        if (this.state === REASSEMBLY_IDLE) {
            const announced = f.messageLength
            if (announced > this.maxMessage) throw new FormatError("TLS message of " + announced + " bytes announced, over " + this.maxMessage)
            if (!more) {
                if (announced >= 0 && announced !== f.data.length) throw new FormatError("TLS Message Length " + announced + " for a message of " + f.data.length + " bytes")
                if (f.data.length > this.maxMessage) throw new FormatError("TLS message of " + f.data.length + " bytes, over " + this.maxMessage)
                return true
            }
            if (announced < 0) throw new FormatError("first EAP-TLS fragment without its TLS Message Length")
            if (f.data.length === 0) throw new FormatError("EAP-TLS fragment without data")
            this.expected = announced
            this.state = REASSEMBLY_COLLECTING
        } else if (f.messageLength >= 0 && f.messageLength !== this.expected) {
            throw new FormatError("TLS Message Length changed from " + this.expected + " to " + f.messageLength + " mid-message")
        } else if (f.data.length === 0) throw new FormatError("EAP-TLS fragment without data")
        this.received += f.data.length
        if (this.received > this.expected) throw new FormatError("EAP-TLS fragments exceed the announced " + this.expected + " bytes")
        if (more) return false
        if (this.received !== this.expected) throw new FormatError("TLS message ended at " + this.received + " of the announced " + this.expected + " bytes")
        this.state = REASSEMBLY_IDLE
        this.received = 0
        this.expected = 0
        return true
    }

    /** Drops a message half received (the exchange ended). */
    reset(): void {
        this.state = REASSEMBLY_IDLE
        this.parts = []
        this.received = 0
        this.expected = 0
    }
}
