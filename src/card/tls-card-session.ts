// A transaction on a card that pays over EAP-TLS (card-session.ts): the card's EAP-TLS peer
// (src/eap/eap-tls-peer.ts) confirms the payment on display inside the tunnel and verifies the
// server's sealed result. It resumes with a stored ticket when it has one: the ticket counts as
// taken in flash before it is offered (each is offered once), and the tickets of a full handshake
// are stored when it ends. The server certificate of the last successful exchange is kept in memory:
// a full handshake with the same certificate skips its CA signature (a third of the card's
// heaviest step, which the terminal's reader waits 1 s for).

import { AkaPlatform } from "../eap/aka-crypto"
import { EapTlsPeer, PEER_DONE, PEER_FAILED } from "../eap/eap-tls-peer"
import { ed25519Sign } from "../crypto/ed25519"
import { encodePayment } from "../payment/payment"
import { TlsClient } from "../tls/tls-client"
import { TicketStore } from "../tls/ticket-store"
import { CardSession, CardStorage, CardUi } from "./card-session"
import { PinRecord } from "./pin"
import { TlsCardProfile } from "./tls-card-profile"

export interface TlsCardStorage extends CardStorage {
    /** Durably stores the tickets to resume with, none of them taken. */
    saveTickets(tickets: TicketStore): Promise<void>
    /** Durably stores how many tickets are taken: before a ticket is offered. */
    saveTicketsTaken(tickets: TicketStore): Promise<void>
}

export class TlsCardSession extends CardSession {
    /** The EAP-TLS peer once the exchange started: its result is the decision the card verified. */
    peer: EapTlsPeer | null = null

    constructor(
        private readonly profile: TlsCardProfile,
        private readonly tickets: TicketStore,
        /** The server certificate last verified in this power cycle: the next full handshake checks its CA signature only if it changed. */
        private readonly verified: { certificate: Buffer | null },
        pin: PinRecord,
        platform: AkaPlatform,
        private readonly tlsStorage: TlsCardStorage,
        ui: CardUi,
        /** Seconds on the card's clock, -1 without one (the server's certificate validity then unchecked). */
        private readonly now: () => number,
    ) {
        super(pin, platform, tlsStorage, ui, profile.noPinLimit)
    }

    protected override async step(request: Buffer): Promise<Buffer | null> {
        let peer = this.peer
        if (peer === null) {
            const p = this.profile
            const platform = this.platform
            const ticket = this.tickets.take(this.now())
            if (ticket !== null) await this.tlsStorage.saveTicketsTaken(this.tickets)
            const client = new TlsClient({
                hash: { hmac: platform.hmacSha256, sha256: platform.sha256 },
                randomBytes: platform.randomBytes,
                yieldSlice: platform.yieldSlice,
                serverName: p.serverName,
                caPublicKey: p.caPublicKey,
                certificate: p.certificate,
                sign: async (m: Buffer) => await ed25519Sign(p.seed, m, platform.yieldSlice),
                now: this.now(),
                ticket: ticket,
                knownServerCertificate: this.verified.certificate,
            })
            peer = new EapTlsPeer(() => client, "@" + p.realm, this.payment !== null ? encodePayment(this.payment) : null)
            this.peer = peer
        }
        const response = await peer.handle(request)
        if (peer.state === PEER_DONE || peer.state === PEER_FAILED) {
            this.finish(peer.state === PEER_DONE, peer.result)
            const tls = peer.tls
            if (peer.state === PEER_DONE && tls !== null && tls.verifiedServerCertificate !== null) this.verified.certificate = tls.verifiedServerCertificate
            if (peer.state === PEER_DONE && tls !== null && tls.newTickets.length > 0) {
                this.tickets.keep(tls.newTickets)
                await this.tlsStorage.saveTickets(this.tickets)
            }
        }
        return response
    }
}
