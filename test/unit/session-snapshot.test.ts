// An EAP server session continued by another process: after every step the session is reduced to
// its snapshot, encoded as the database stores it (sim/server/session-codec.ts), decoded and
// restored into a new session object, which handles the next message. Full authentication with a
// payment (both methods, matching MSKs at the end), fast re-authentication, SQN resynchronisation,
// and a retransmitted old response answered with the current request all complete as in one process.

import { randomBytes } from "node:crypto"
import { describe, expect, test } from "vitest"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { decodeSnapshot, encodeSnapshot } from "../../sim/server/session-codec"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { AkaPeer, PEER_SUCCESS, type PeerState } from "../../src/eap/aka-peer"
import { AkaServerSession, type ServerOptions } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_SUCCESS, EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import type { Payment } from "../../src/payment/payment"
import { MemoryServerPorts } from "../shared/memory-server-ports"

const K = Buffer.from("465b5ce8b199b49faa5f0a2ee238a6bc", "hex")
const OPC = Buffer.from("cd63cb71954a9f4e48a5994e37a02baf", "hex")
const options = (method: number): ServerOptions => ({ methods: [method], networkName: "ACTIVECARD", realm: "pay.activecard.example", alwaysAskIdentity: false })
const card = (): PeerState => ({ cardId: "c0ffee01", realm: "pay.activecard.example", key: milenageKey(K, OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null })
const payment = (): Payment => ({ amount: 12500, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: randomBytes(8) })

/** One exchange where each server step runs on a session restored from the previous step's stored snapshot. */
async function relayThroughSnapshots(peer: AkaPeer, ports: MemoryServerPorts, method: number, p: Payment | null): Promise<{ server: AkaServerSession; restores: number }> {
    let server = new AkaServerSession(ports, nodeAkaPlatform, options(method), p, 1)
    let request = server.identityRequest()
    let restores = 0
    for (let round = 0; round < 20; round++) {
        const response = await peer.handle(request)
        if (request[0] === EAP_SUCCESS || request[0] === EAP_FAILURE) return { server, restores }
        const stored = encodeSnapshot(server.snapshot())
        server = AkaServerSession.restore(ports, nodeAkaPlatform, options(method), decodeSnapshot(stored))
        expect(encodeSnapshot(server.snapshot())).toBe(stored)
        restores++
        request = await server.handle(response!)
    }
    throw new Error("exchange did not finish")
}

describe.each([
    ["EAP-AKA'", EAP_TYPE_AKA_PRIME, true],
    ["EAP-AKA", EAP_TYPE_AKA, false],
])("%s continued from a snapshot at every step", (_name, method, prime) => {
    const peerOptions = { preferPrime: prime, allowAka: true, networkName: "", usePseudonyms: true }

    test("a payment is approved once, the receipt matches, and the MSKs agree", async () => {
        const ports = new MemoryServerPorts(randomBytes)
        ports.addCard("c0ffee01", K, OPC, 1_000_000)
        const p = payment()
        const peer = new AkaPeer(card(), peerOptions, nodeAkaPlatform, p)
        const { server, restores } = await relayThroughSnapshots(peer, ports, method, p)
        expect(restores).toBeGreaterThanOrEqual(3)
        expect(peer.state).toBe(PEER_SUCCESS)
        expect(server.outcome.result!.responseCode).toBe("00")
        expect(peer.outcome.result).toEqual(server.outcome.result)
        expect(ports.decisions).toHaveLength(1)
        expect(ports.decisions[0].final).toBe(true)
        expect(peer.outcome.exportKeys!().msk.equals(server.outcome.exportKeys!().msk)).toBe(true)
    })

    test("fast re-authentication and SQN resynchronisation continue across restores", async () => {
        const ports = new MemoryServerPorts(randomBytes)
        ports.addCard("c0ffee01", K, OPC, 1_000_000)
        const c = card()
        c.sqn.accept(32 * 1000) // the card is ahead of the AuC: the first exchange resynchronises
        await relayThroughSnapshots(new AkaPeer(c, peerOptions, nodeAkaPlatform, null), ports, method, null)
        expect(ports.card("c0ffee01")!.seq).toBe(1001)
        expect(c.reauthId).not.toBe("")
        const p = payment()
        const again = new AkaPeer(c, peerOptions, nodeAkaPlatform, p)
        const r = await relayThroughSnapshots(again, ports, method, p)
        expect(r.server.outcome.result!.responseCode).toBe("00")
        expect(c.reauth!.counter).toBe(1) // the payment went by fast re-authentication
        expect(again.outcome.exportKeys!().msk.equals(r.server.outcome.exportKeys!().msk)).toBe(true)
    })

    test("a retransmitted old response after a restore gets the current request again", async () => {
        const ports = new MemoryServerPorts(randomBytes)
        ports.addCard("c0ffee01", K, OPC, 1_000_000)
        const p = payment()
        const peer = new AkaPeer(card(), peerOptions, nodeAkaPlatform, p)
        const server = new AkaServerSession(ports, nodeAkaPlatform, options(method), p, 1)
        const identity = (await peer.handle(server.identityRequest()))!
        const challenge = await server.handle(identity)
        const restored = AkaServerSession.restore(ports, nodeAkaPlatform, options(method), decodeSnapshot(encodeSnapshot(server.snapshot())))
        expect((await restored.handle(identity)).equals(challenge)).toBe(true)
    })
})
