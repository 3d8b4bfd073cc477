// The tickets a card keeps to resume its EAP-TLS connections (RFC 8446 2.2). The payment server
// (OpenSSL) sends two after a full handshake and none after a resumption, and takes each once: so
// the card keeps at most two, offers each once (the oldest first), and drops those past their
// lifetime. A ticket crosses the terminal in the clear; offered twice it would link two payments.

import { TlsTicket } from "./tls-client"

export const MAX_TICKETS = 2

export class TicketStore {
    tickets: TlsTicket[] = []

    /** The ticket to offer now, taken out of the store, or null (a full handshake). `now`: seconds, -1 without a clock. */
    take(now: number): TlsTicket | null {
        while (this.tickets.length > 0) {
            const t = this.tickets.shift() as TlsTicket
            if (now < 0 || t.receivedAt < 0 || now - t.receivedAt < t.lifetimeSeconds) return t
        }
        return null
    }

    /** The tickets a connection brought, kept for the next ones (the newest MAX_TICKETS). */
    keep(received: TlsTicket[]): void {
        for (let i = 0; i < received.length; i++) this.tickets.push(received[i])
        while (this.tickets.length > MAX_TICKETS) this.tickets.shift()
    }
}
