// One authentication without a payment, as a simulated terminal runs it against any RADIUS EAP
// server (the payment server, or hostapd as the benchmark's peer): the card's EAP-AKA / EAP-AKA'
// peer (src/eap/aka-peer.ts, the card's own logic) answers an EAP-Request/Identity, and the
// terminal relays each answer in an Access-Request (User-Name from the identity, NAS-Identifier,
// EAP-Message, State, Message-Authenticator) until an Access-Accept or Access-Reject. An exchange
// succeeds only when the card ends in EAP success with its keys derived, and, when the server
// sends them, the MS-MPPE keys of the Access-Accept are the card's MSK.

import { nodeAkaPlatform, nodeRandomBytes as randomBytes } from "../sim/node-platform"
import { RadiusClient } from "../sim/radius/client"
import { milenageKey } from "../src/crypto/milenage"
import { SqnWindow } from "../src/crypto/sqn"
import { AkaPeer, PEER_SUCCESS, type PeerState } from "../src/eap/aka-peer"
import { EAP_REQUEST, EAP_RESPONSE, EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME, EAP_TYPE_IDENTITY, encodeEap } from "../src/eap/eap-packet"
import { ATTR_NAS_IDENTIFIER, ATTR_STATE, ATTR_USER_NAME, bytesAttribute, getAttribute, textAttribute } from "../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../src/radius/eap-message"
import { CODE_ACCESS_ACCEPT, CODE_ACCESS_CHALLENGE, CODE_ACCESS_REQUEST, type RadiusAttribute } from "../src/radius/packet"
import { mskFromAccept } from "./mppe-keys"

/** What the simulated card holds for authentication: its ID, K and OPc (hex), and its SQN window. */
export interface AuthCardProfile {
    cardId: string
    realm: string
    k: string
    opc: string
    seqMs: number[]
}

export interface AuthCard {
    state: PeerState
    prime: boolean
}

export function authCard(p: AuthCardProfile, prime: boolean): AuthCard {
    return {
        state: { cardId: p.cardId, realm: p.realm, key: milenageKey(Buffer.from(p.k, "hex"), Buffer.from(p.opc, "hex")), sqn: new SqnWindow(p.seqMs), pseudonym: "", reauthId: "", reauth: null },
        prime,
    }
}

/** A terminal's RADIUS client, and the Request Authenticator of its last request (the MS-MPPE keys are encrypted under it). */
export interface AuthTerminal {
    client: RadiusClient
    secret: Buffer
    terminalId: string
    lastAuthenticator(): Buffer
}

export async function authTerminal(port: number, secret: string, terminalId: string): Promise<AuthTerminal> {
    let last: Buffer = Buffer.alloc(16)
    // The client draws 16 random bytes for each Request Authenticator; a terminal has one request in flight at a time.
    const random = (n: number) => {
        const b = randomBytes(n)
        if (n === 16) last = b
        return b
    }
    const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port, secret: Buffer.from(secret, "utf8"), timeoutMs: 3000, retries: 3, random })
    return { client, secret: Buffer.from(secret, "utf8"), terminalId, lastAuthenticator: () => last }
}

export interface AuthOutcome {
    ok: boolean
    /** Access-Requests sent (RADIUS round trips). */
    roundTrips: number
    /** The Access-Accept carried MS-MPPE keys equal to the card's MSK. */
    keysMatched: boolean
    /** The card answered a challenge with AUTS (its SQN was ahead of the server's). */
    resynchronised: boolean
    failure: string
}

const MAX_ROUNDS = 8

/** Card options: EAP-AKA' or EAP-AKA by the card's preference, no pseudonyms (every exchange a full authentication). */
function peerOptions(prime: boolean) {
    return { preferPrime: prime, allowAka: true, networkName: "", usePseudonyms: false }
}

export async function authenticate(card: AuthCard, t: AuthTerminal, requireKeys: boolean): Promise<AuthOutcome> {
    const peer = new AkaPeer(card.state, peerOptions(card.prime), nodeAkaPlatform, null)
    const out: AuthOutcome = { ok: false, roundTrips: 0, keysMatched: false, resynchronised: false, failure: "" }
    let response = await peer.handle(encodeEap({ code: EAP_REQUEST, id: randomBytes(1)[0], type: EAP_TYPE_IDENTITY, data: Buffer.alloc(0) }))
    let state: Buffer | null = null
    while (response !== null && out.roundTrips < MAX_ROUNDS) {
        const attrs: RadiusAttribute[] = []
        if (response[0] === EAP_RESPONSE && response[4] === EAP_TYPE_IDENTITY) attrs.push(bytesAttribute(ATTR_USER_NAME, response.subarray(5)))
        attrs.push(textAttribute(ATTR_NAS_IDENTIFIER, t.terminalId))
        for (const a of eapMessageAttributes(response)) attrs.push(a)
        if (state !== null) attrs.push(bytesAttribute(ATTR_STATE, state))
        // EAP-AKA's Synchronization-Failure: subtype 4 (RFC 4187 section 9.6).
        if ((response[4] === EAP_TYPE_AKA_PRIME || response[4] === EAP_TYPE_AKA) && response[5] === 4) out.resynchronised = true
        out.roundTrips++
        let reply
        try {
            reply = await t.client.request(CODE_ACCESS_REQUEST, attrs)
        } catch (e) {
            out.failure = "no answer: " + (e as Error).message
            return out
        }
        const eap = joinEapMessage(reply.attributes)
        if (reply.code === CODE_ACCESS_CHALLENGE) {
            if (eap === null) {
                out.failure = "Access-Challenge without EAP-Message"
                return out
            }
            state = getAttribute(reply.attributes, ATTR_STATE)
            response = await peer.handle(eap)
            continue
        }
        if (eap !== null) await peer.handle(eap) // EAP-Success or EAP-Failure closes the card's side
        if (reply.code !== CODE_ACCESS_ACCEPT || peer.state !== PEER_SUCCESS || peer.outcome.exportKeys === null) {
            out.failure = reply.code !== CODE_ACCESS_ACCEPT ? "Access-Reject" + (peer.outcome.failure !== "" ? ": " + peer.outcome.failure : "") : "Access-Accept but the card did not succeed: " + peer.outcome.failure
            return out
        }
        // Both servers' runs derive the card's MSK, so that the simulated fleet does the same work for each.
        const msk = peer.outcome.exportKeys().msk
        const sent = mskFromAccept(reply.attributes, t.lastAuthenticator(), t.secret)
        out.keysMatched = sent !== null && sent.equals(msk)
        if (requireKeys && !out.keysMatched) {
            out.failure = sent === null ? "Access-Accept without MS-MPPE keys" : "MS-MPPE keys differ from the card's MSK"
            return out
        }
        out.ok = true
        return out
    }
    out.failure = response === null ? "the card did not answer: " + peer.outcome.failure : "too many rounds"
    return out
}
