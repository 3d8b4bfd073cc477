// The tickets a card keeps to resume its EAP-TLS connections (RFC 8446 2.2). The payment server
// (OpenSSL) sends two after a full handshake and none after a resumption, and takes each once: so
// the card keeps at most two, offers each once (the oldest first), and drops those past their
// lifetime. A ticket crosses the terminal in the clear; offered twice it would link two payments.
// The tickets are stored once, when they arrive; taking one advances `taken`, a one-byte count the
// card writes before it offers the ticket, so spending a ticket is one small flash write.

import { TlsTicket } from "./tls-client"
import { concat, copyOf, readU16BE, readU32BE, uintToBytes } from "../bytes"
import { FormatError } from "../format-error"

export const MAX_TICKETS = 2

export class TicketStore {
    /** The tickets not yet taken, oldest first (taken ones leave memory: a full handshake needs the room). */
    tickets: TlsTicket[] = []
    /** How many of the tickets as last stored, from the oldest, are spent (offered or expired). */
    taken = 0

    /** The ticket to offer now, counted as taken, or null (a full handshake). `now`: seconds, -1 without a clock. */
    take(now: number): TlsTicket | null {
        while (this.tickets.length > 0) {
            const t = this.tickets.shift() as TlsTicket
            this.taken++
            if (now < 0 || t.receivedAt < 0 || now - t.receivedAt < t.lifetimeSeconds) return t
        }
        return null
    }

    /** The tickets a connection brought, kept with those not yet taken (the newest MAX_TICKETS), to be stored with none taken. */
    keep(received: TlsTicket[]): void {
        for (let i = 0; i < received.length; i++) this.tickets.push(received[i])
        while (this.tickets.length > MAX_TICKETS) this.tickets.shift()
        this.taken = 0
    }
}

/** The tickets for flash: each its length, the ticket, the PSK, age_add, lifetime and arrival (+1, 0 for none), big-endian. */
export function encodeTickets(tickets: TlsTicket[]): Buffer {
    const parts: Buffer[] = []
    for (let i = 0; i < tickets.length; i++) {
        const t = tickets[i]
        parts.push(concat([uintToBytes(t.ticket.length, 2), t.ticket, t.psk, uintToBytes(t.ageAdd, 4), uintToBytes(t.lifetimeSeconds, 4), uintToBytes(t.receivedAt + 1, 4)]))
    }
    return concat(parts)
}

export function decodeTickets(b: Buffer): TlsTicket[] {
    const tickets: TlsTicket[] = []
    let o = 0
    while (o < b.length) {
        if (o + 2 > b.length) throw new FormatError("stored tickets are truncated")
        const n = readU16BE(b, o)
        const end = o + 2 + n + 32 + 12
        if (end > b.length) throw new FormatError("stored tickets are truncated")
        const at = o + 2 + n + 32
        tickets.push({ ticket: copyOf(b, o + 2, o + 2 + n), psk: copyOf(b, o + 2 + n, at), ageAdd: readU32BE(b, at), lifetimeSeconds: readU32BE(b, at + 4), receivedAt: readU32BE(b, at + 8) - 1 })
        o = end
    }
    return tickets
}
