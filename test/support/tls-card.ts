// A card that pays over EAP-TLS behind the terminal's CardPort, for the flows through the terminal
// relay: the card's portable EAP-TLS peer given the payment the terminal offered (the card shows
// and confirms it in the tunnel), resuming with the tickets it keeps (src/tls/ticket-store.ts),
// with a switch to pull the card out of the field. It stands in for the card's session (PIN,
// display), which the EAP-AKA card has and this one does not model.

import { EapTlsPeer, PEER_DONE } from "../../src/eap/eap-tls-peer"
import type { TlsTicket } from "../../src/tls/tls-client"
import { TicketStore } from "../../src/tls/ticket-store"
import { encodePayment, type Payment } from "../../src/payment/payment"
import { LinkLostError } from "../../src/link/apdu-link"
import { type CardPort, PIN_ANSWER_OK } from "../../src/terminal/terminal-relay"

export class TlsCard implements CardPort {
    /** Set to true to pull the card out of the field: every command then fails. */
    removed = false
    /** The exchange of the last payment offered. */
    peer: EapTlsPeer | null = null
    readonly tickets = new TicketStore()

    constructor(private readonly newPeer: (payment: Buffer, ticket: TlsTicket | null) => EapTlsPeer) {}

    async offer(p: Payment): Promise<void> {
        this.present()
        this.peer = this.newPeer(encodePayment(p), this.tickets.take(Math.floor(Date.now() / 1000)))
    }

    async pinRequired(): Promise<boolean> {
        this.present()
        return false
    }

    async verifyPin(): Promise<{ answer: number; triesLeft: number }> {
        this.present()
        return { answer: PIN_ANSWER_OK, triesLeft: 3 }
    }

    async eap(request: Buffer): Promise<Buffer | null> {
        this.present()
        const peer = this.peer
        if (peer === null) throw new Error("no payment offered")
        const answer = await peer.handle(request)
        if (peer.state === PEER_DONE && peer.tls !== null) this.tickets.keep(peer.tls.newTickets)
        return answer
    }

    private present(): void {
        if (this.removed) throw new LinkLostError("card removed from the field")
    }
}
