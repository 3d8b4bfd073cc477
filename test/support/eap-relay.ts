// Drives one EAP exchange between an AkaPeer and an AkaServerSession, the way a terminal relays
// it, with hooks to tamper with messages in flight.

import { AkaPeer } from "../../src/eap/aka-peer"
import { AkaServerSession } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_SUCCESS } from "../../src/eap/eap-packet"

export interface RelayHooks {
    toCard?: (eap: Buffer, round: number) => Buffer
    toServer?: (eap: Buffer, round: number) => Buffer
}

export interface RelayTrace {
    toCard: Buffer[]
    toServer: Buffer[]
}

export async function relay(peer: AkaPeer, server: AkaServerSession, hooks: RelayHooks = {}): Promise<RelayTrace> {
    const trace: RelayTrace = { toCard: [], toServer: [] }
    let request: Buffer = server.identityRequest()
    for (let round = 0; round < 20; round++) {
        const toCard = hooks.toCard ? hooks.toCard(request, round) : request
        trace.toCard.push(toCard)
        const response = await peer.handle(toCard)
        if (request[0] === EAP_SUCCESS || request[0] === EAP_FAILURE) return trace
        if (response === null) throw new Error("the card did not answer round " + round)
        const toServer = hooks.toServer ? hooks.toServer(response, round) : response
        trace.toServer.push(toServer)
        request = await server.handle(toServer)
    }
    throw new Error("exchange did not finish in 20 rounds")
}
