// A transaction on an EAP-AKA card (card-session.ts): the EAP-AKA/AKA' peer runs the exchange and
// reveals nothing but the card's identity (pseudonym, re-auth ID or card ID) before the server
// proved itself; the SQN window, pseudonym and re-auth context are stored as soon as the server
// is authenticated, and again when the exchange ends.

import { AkaPeer, PeerOptions, PeerState, PEER_FAILURE, PEER_SUCCESS } from "../eap/aka-peer"
import { AkaPlatform } from "../eap/aka-crypto"
import { CardSession, CardStorage, CardUi } from "./card-session"
import { PinRecord } from "./pin"

export interface AkaCardStorage extends CardStorage {
    /** Durably stores SQN window, pseudonym and re-auth context after an exchange. */
    saveAkaState(s: PeerState): Promise<void>
}

export class AkaCardSession extends CardSession {
    /** The EAP-AKA peer once the exchange started: its outcome holds the receipt the card verified. */
    peer: AkaPeer | null = null

    constructor(
        private readonly aka: PeerState,
        pin: PinRecord,
        private readonly options: PeerOptions,
        platform: AkaPlatform,
        private readonly akaStorage: AkaCardStorage,
        ui: CardUi,
        noPinLimit: number,
    ) {
        super(pin, platform, akaStorage, ui, noPinLimit)
    }

    protected override async step(request: Buffer): Promise<Buffer | null> {
        let peer = this.peer
        if (peer === null) {
            peer = new AkaPeer(this.aka, this.options, this.platform, this.payment)
            this.peer = peer
        }
        const response = await peer.handle(request)
        if (peer.state === PEER_SUCCESS || peer.state === PEER_FAILURE) {
            this.finish(peer.state === PEER_SUCCESS, peer.outcome.result)
            await this.akaStorage.saveAkaState(this.aka)
        } else if (peer.outcome.serverAuthenticated) {
            // SQN window, pseudonym and re-auth ID change as soon as the server is authenticated.
            await this.akaStorage.saveAkaState(this.aka)
        }
        return response
    }
}
