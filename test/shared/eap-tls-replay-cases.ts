// The card's EAP-TLS 1.3 peer replayed against a recorded exchange, written to run in Node and
// inside the DeviceScript VM: with the randomness and key of the recording, the peer must answer
// each of the server's packets with the bytes it answered in Node, end in DONE with the recorded
// MSK, and refuse the server's flight once one of its bytes is changed. With a payment, the
// recording carries its confirmation, the sealed approval and the acknowledgement in the tunnel.
// A resumed recording carries the ticket an earlier recorded exchange brought: the peer offers it
// and the server takes it (no certificates, no signature).

import { fromHex, toHex } from "../../src/bytes"
import { ed25519Sign } from "../../src/crypto/ed25519"
import { EapTlsPeer, PEER_DONE, PEER_FAILED } from "../../src/eap/eap-tls-peer"
import { TlsHash } from "../../src/tls/key-schedule"
import { TlsClient, TlsTicket } from "../../src/tls/tls-client"
import { countingRandom } from "./counting-random"
import { CryptoCase } from "./crypto-cases"

/** A TlsTicket as the vectors carry it. */
export interface RecordedTicket {
    ticket: string
    psk: string
    ageAdd: number
    lifetimeSeconds: number
    receivedAt: number
}

export interface EapTlsVectors {
    /** The card's Ed25519 seed (test data only). */
    seed: string
    certificate: string
    caPublicKey: string
    serverName: string
    now: number
    randomStart: number
    /** The server's EAP packets, and the card's answer to each ("" for none). */
    serverPackets: string[]
    cardResponses: string[]
    msk: string
    /** The payment the card confirms in the tunnel (payment.ts encoding), "" for none. */
    payment: string
    /** The decision the server sealed, as recorded ("" without a payment). */
    approvalNumber: string
    /** The ticket the card offers (from an earlier recorded exchange), or null: a full handshake. */
    ticket: RecordedTicket | null
}

/** The TlsTicket `t` stands for. */
export function recordedTicket(t: RecordedTicket | null): TlsTicket | null {
    if (t === null) return null
    return { ticket: fromHex(t.ticket), psk: fromHex(t.psk), ageAdd: t.ageAdd, lifetimeSeconds: t.lifetimeSeconds, receivedAt: t.receivedAt }
}

/** The card's peer as in the recording. */
export function recordedPeer(v: EapTlsVectors, hash: TlsHash, yieldSlice: () => Promise<void>): EapTlsPeer {
    const seed = fromHex(v.seed)
    return new EapTlsPeer(
        () =>
            new TlsClient({
                hash: hash,
                randomBytes: countingRandom(v.randomStart),
                yieldSlice: yieldSlice,
                serverName: v.serverName,
                caPublicKey: fromHex(v.caPublicKey),
                certificate: fromHex(v.certificate),
                sign: async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice),
                now: v.now,
                ticket: recordedTicket(v.ticket),
            }),
        "@pay.activecard.example",
        v.payment !== "" ? fromHex(v.payment) : null,
    )
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

export function eapTlsReplayCases(v: EapTlsVectors, hash: TlsHash): CryptoCase[] {
    return [
        {
            name: "EAP-TLS 1.3 peer: the recorded exchange with the server answered byte for byte, the same MSK",
            run: async (env) => {
                const peer = recordedPeer(v, hash, env.yieldSlice)
                for (let i = 0; i < v.serverPackets.length; i++) {
                    const answer = await peer.handle(fromHex(v.serverPackets[i]))
                    await env.yieldSlice()
                    const got = answer === null ? "" : toHex(answer)
                    ok(got === v.cardResponses[i], "answer " + i + " differs: " + got.slice(0, 64))
                }
                ok(peer.state === PEER_DONE, "state " + peer.state + " " + peer.failure)
                ok(peer.msk !== null && toHex(peer.msk) === v.msk, "MSK")
            },
        },
        {
            name: "EAP-TLS 1.3 peer: a byte of the server's protected flight changed, the card refuses it (bad_record_mac) and derives no key",
            run: async (env) => {
                const peer = recordedPeer(v, hash, env.yieldSlice)
                // The first packet over 100 bytes after the ServerHello's carries protected records.
                let changed = false
                for (let i = 0; i < v.serverPackets.length && peer.state !== PEER_FAILED; i++) {
                    let packet = fromHex(v.serverPackets[i])
                    if (!changed && i >= 2 && packet.length > 100) {
                        packet[packet.length - 20] ^= 1
                        changed = true
                    }
                    await peer.handle(packet)
                    await env.yieldSlice()
                }
                ok(changed, "no packet changed")
                ok(peer.state === PEER_FAILED, "state " + peer.state)
                ok(peer.failure.indexOf("does not authenticate") >= 0, "failure: " + peer.failure)
                ok(peer.msk === null, "no MSK")
            },
        },
    ]
}

/** The recorded exchange of a payment, replayed: the same answers, the approval read from the tunnel. */
export function eapTlsPaymentReplayCases(v: EapTlsVectors, hash: TlsHash): CryptoCase[] {
    return [
        {
            name: "EAP-TLS 1.3 peer with a payment: confirmed with the Finished, the sealed approval read and acknowledged, answered byte for byte",
            run: async (env) => {
                const peer = recordedPeer(v, hash, env.yieldSlice)
                for (let i = 0; i < v.serverPackets.length; i++) {
                    const answer = await peer.handle(fromHex(v.serverPackets[i]))
                    await env.yieldSlice()
                    const got = answer === null ? "" : toHex(answer)
                    ok(got === v.cardResponses[i], "answer " + i + " differs: " + got.slice(0, 64))
                }
                ok(peer.state === PEER_DONE, "state " + peer.state + " " + peer.failure)
                const r = peer.result
                ok(r !== null && r.responseCode === "00" && r.approvalNumber === v.approvalNumber, "the sealed approval")
                ok(peer.msk !== null && toHex(peer.msk) === v.msk, "MSK")
            },
        },
    ]
}

/** The recorded resumption, replayed: the ticket offered and taken, the same answers, the same MSK (and the sealed approval with a payment). */
export function eapTlsResumedReplayCases(v: EapTlsVectors, hash: TlsHash): CryptoCase[] {
    return [
        {
            name: "EAP-TLS 1.3 peer resumed with a recorded ticket: the server takes it, answered byte for byte, the same MSK" + (v.payment !== "" ? ", the sealed approval read" : ""),
            run: async (env) => {
                ok(v.ticket !== null, "the vectors carry no ticket")
                const peer = recordedPeer(v, hash, env.yieldSlice)
                for (let i = 0; i < v.serverPackets.length; i++) {
                    const answer = await peer.handle(fromHex(v.serverPackets[i]))
                    await env.yieldSlice()
                    const got = answer === null ? "" : toHex(answer)
                    ok(got === v.cardResponses[i], "answer " + i + " differs: " + got.slice(0, 64))
                }
                ok(peer.state === PEER_DONE, "state " + peer.state + " " + peer.failure)
                const tls = peer.tls
                ok(tls !== null && tls.resumed, "not resumed")
                if (v.payment !== "") {
                    const r = peer.result
                    ok(r !== null && r.responseCode === "00" && r.approvalNumber === v.approvalNumber, "the sealed approval")
                }
                ok(peer.msk !== null && toHex(peer.msk) === v.msk, "MSK")
            },
        },
    ]
}
