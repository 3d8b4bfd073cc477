// EAP-AKA / EAP-AKA' exchanges between the card's peer and the server session, relayed in memory,
// written to run inside the DeviceScript VM (the peer is the card firmware's protocol core).

import { AkaPeer, PEER_SUCCESS, PeerState } from "../../src/eap/aka-peer"
import { AkaServerSession } from "../../src/eap/aka-server"
import { AkaPlatform } from "../../src/eap/aka-crypto"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { Payment } from "../../src/payment/payment"
import { fromHex } from "../../src/bytes"
import { MemoryServerPorts } from "./memory-server-ports"
import { relay } from "./eap-relay"
import { CryptoCase } from "./crypto-cases"

const K = fromHex("465b5ce8b199b49faa5f0a2ee238a6bc")
const OPC = fromHex("cd63cb71954a9f4e48a5994e37a02baf")

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

function card(): PeerState {
    return { cardId: "c0ffee01", realm: "pay.activecard.example", key: milenageKey(K, OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
}

function payment(amount: number): Payment {
    return { amount: amount, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: fromHex("0102030405060708") }
}

export function protocolCases(platform: AkaPlatform): CryptoCase[] {
    const cases: CryptoCase[] = []
    const methods = [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]
    methods.forEach((method) => {
        const name = method === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA"
        const peerOptions = { preferPrime: method === EAP_TYPE_AKA_PRIME, allowAka: true, networkName: "", usePseudonyms: true }
        const serverOptions = { methods: [method], networkName: "ACTIVECARD", realm: "pay.activecard.example", alwaysAskIdentity: true }
        cases.push({
            name: name + " payment approved, then fast re-authentication, peer and server in the VM",
            run: async () => {
                const ports = new MemoryServerPorts(platform.randomBytes)
                ports.addCard("c0ffee01", K, OPC, 100000)
                const c = card()
                const p = payment(12500)
                const peer = new AkaPeer(c, peerOptions, platform, p)
                const server = new AkaServerSession(ports, platform, serverOptions, p, 1)
                await relay(peer, server, { pause: platform.yieldSlice })
                ok(server.outcome.success, "server outcome: " + server.outcome.failure)
                ok(peer.state === PEER_SUCCESS, "peer outcome: " + peer.outcome.failure)
                ok(peer.outcome.result !== null && peer.outcome.result.responseCode === "00", "receipt on the card")
                ok(ports.finalApprovals() === 1, "one final approval")
                const again = new AkaPeer(c, peerOptions, platform, null)
                const server2 = new AkaServerSession(ports, platform, serverOptions, null, 5)
                await relay(again, server2, { pause: platform.yieldSlice })
                ok(server2.outcome.success && again.state === PEER_SUCCESS, "re-authentication: " + server2.outcome.failure + again.outcome.failure)
                ok(c.reauth !== null && c.reauth.counter === 1, "re-authentication counter advanced")
            },
        })
        cases.push({
            name: name + " tampered amount is refused by the card in the VM",
            run: async () => {
                const ports = new MemoryServerPorts(platform.randomBytes)
                ports.addCard("c0ffee01", K, OPC, 100000)
                const peer = new AkaPeer(card(), peerOptions, platform, payment(12500))
                const server = new AkaServerSession(ports, platform, serverOptions, payment(99900), 1)
                await relay(peer, server, { pause: platform.yieldSlice })
                ok(!server.outcome.success && ports.decisions.length === 0, "no decision on a tampered payment")
            },
        })
        cases.push({
            name: name + " SQN resynchronisation in the VM",
            run: async () => {
                const ports = new MemoryServerPorts(platform.randomBytes)
                ports.addCard("c0ffee01", K, OPC, 100000)
                const c = card()
                c.sqn.accept(32 * 500)
                const peer = new AkaPeer(c, peerOptions, platform, null)
                const server = new AkaServerSession(ports, platform, serverOptions, null, 1)
                await relay(peer, server, { pause: platform.yieldSlice })
                ok(server.outcome.success, "resynchronised exchange: " + server.outcome.failure)
            },
        })
    })
    return cases
}
