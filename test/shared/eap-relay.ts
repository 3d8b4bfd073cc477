// Drives one EAP exchange between an AkaPeer and an AkaServerSession, the way a terminal relays
// it, with hooks to tamper with messages in flight.

import { AkaPeer } from "../../src/eap/aka-peer"
import { AkaServerSession } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_SUCCESS } from "../../src/eap/eap-packet"

export interface RelayHooks {
    /** Called between hops: in the VM, ends the slice (card and server are separate devices in reality). */
    pause?: () => Promise<void>
    toCard?: (eap: Buffer, round: number) => Buffer
    toServer?: (eap: Buffer, round: number) => Buffer
}

export interface RelayTrace {
    toCard: Buffer[]
    toServer: Buffer[]
}

export async function relay(peer: AkaPeer, server: AkaServerSession, hooks?: RelayHooks): Promise<RelayTrace> {
    const trace: RelayTrace = { toCard: [], toServer: [] }
    const toCardHook = hooks && hooks.toCard ? hooks.toCard : null
    const toServerHook = hooks && hooks.toServer ? hooks.toServer : null
    const pause = hooks && hooks.pause ? hooks.pause : null
    let request: Buffer = server.identityRequest()
    for (let round = 0; round < 20; round++) {
        const toCard = toCardHook !== null ? toCardHook(request, round) : request
        trace.toCard.push(toCard)
        if (pause !== null) await pause()
        const response = await peer.handle(toCard)
        if (pause !== null) await pause()
        if (request[0] === EAP_SUCCESS || request[0] === EAP_FAILURE) return trace
        if (response === null) throw new Error("the card did not answer round " + round)
        const toServer = toServerHook !== null ? toServerHook(response, round) : response
        trace.toServer.push(toServer)
        request = await server.handle(toServer)
    }
    throw new Error("exchange did not finish in 20 rounds")
}
