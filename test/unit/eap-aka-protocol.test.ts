// EAP-AKA and EAP-AKA' between the card's peer and the server session, relayed in memory:
// every protocol branch of RFC 4187 / RFC 9048 this system uses, and the payment binding.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { AkaPeer, PeerState, PEER_FAILURE, PEER_SUCCESS } from "../../src/eap/aka-peer"
import { AkaServerSession, ServerOptions } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME, EAP_FAILURE, EAP_SUCCESS, decodeEap, encodeEap } from "../../src/eap/eap-packet"
import { CONTEXT_REQUEST, CONTEXT_RESPONSE, decodeAkaMessage } from "../../src/eap/aka-attributes"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { Payment } from "../../src/payment/payment"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { relay } from "../shared/eap-relay"

const K = Buffer.from("465b5ce8b199b49faa5f0a2ee238a6bc", "hex")
const OPC = Buffer.from("cd63cb71954a9f4e48a5994e37a02baf", "hex")

function card(k = K, opc = OPC): PeerState {
    return { cardId: "c0ffee01", realm: "pay.activecard.example", key: milenageKey(k, opc), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
}

const peerOptions = (o: Partial<{ preferPrime: boolean; allowAka: boolean; usePseudonyms: boolean }> = {}) => ({
    preferPrime: o.preferPrime ?? true,
    allowAka: o.allowAka ?? true,
    networkName: "",
    usePseudonyms: o.usePseudonyms ?? true,
})

const serverOptions = (methods: number[]): ServerOptions => ({ methods, networkName: "ACTIVECARD", realm: "pay.activecard.example", alwaysAskIdentity: false })

function payment(amount = 12500): Payment {
    return { amount, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from("0102030405060708", "hex") }
}

/** Whether an EAP-AKA / EAP-AKA' packet carries AT_RESULT_IND. */
function resultIndIn(eap: Buffer, context: number): boolean {
    const p = decodeEap(eap)
    return decodeAkaMessage(p.data, context, p.type === EAP_TYPE_AKA_PRIME).resultInd === true
}

function setup(methods = [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA], balance = 1_000_000) {
    const ports = new MemoryServerPorts(randomBytes)
    ports.addCard("c0ffee01", K, OPC, balance)
    return ports
}

describe.each([
    ["EAP-AKA'", EAP_TYPE_AKA_PRIME, true],
    ["EAP-AKA", EAP_TYPE_AKA, false],
])("%s", (_name, method, prime) => {
    const methods = [method]
    const opts = peerOptions({ preferPrime: prime })

    test("zero-amount mutual authentication succeeds with matching MSKs", async () => {
        const ports = setup()
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, null)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), null, 1)
        const trace = await relay(peer, server)
        expect(server.outcome.success).toBe(true)
        expect(peer.state).toBe(PEER_SUCCESS)
        expect(peer.outcome.exportKeys!().msk.equals(server.outcome.exportKeys!().msk)).toBe(true)
        expect(server.outcome.cardId).toBe("c0ffee01")
        // No decision to protect: no result indication offered, EAP-Success right after the challenge.
        expect(trace.toServer).toHaveLength(2)
        expect(resultIndIn(trace.toCard[1], CONTEXT_REQUEST)).toBe(false)
        expect(trace.toCard[2][0]).toBe(EAP_SUCCESS)
    })

    test("a payment's challenge offers result indications; the peer takes them", async () => {
        const ports = setup()
        const p = payment()
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, p)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), p, 1)
        const trace = await relay(peer, server)
        expect(trace.toServer).toHaveLength(3)
        expect(resultIndIn(trace.toCard[1], CONTEXT_REQUEST)).toBe(true)
        expect(resultIndIn(trace.toServer[1], CONTEXT_RESPONSE)).toBe(true)
    })

    test("a payment is approved exactly as confirmed, with a MAC-protected receipt on the card", async () => {
        const ports = setup()
        const p = payment()
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, p)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), p, 1)
        await relay(peer, server)
        expect(server.outcome.success).toBe(true)
        expect(server.outcome.result!.responseCode).toBe("00")
        expect(peer.outcome.result).toEqual(server.outcome.result)
        expect(ports.decisions).toHaveLength(1)
        expect(ports.decisions[0].payment.amount).toBe(12500)
    })

    test("each state transition of peer and server is logged by name", async () => {
        const ports = setup()
        const p = payment()
        const log: string[] = []
        const platform = { ...nodeAkaPlatform, log: (line: string) => log.push(line) }
        const peer = new AkaPeer(card(), opts, platform, p)
        const server = new AkaServerSession(ports, platform, serverOptions(methods), p, 1)
        await relay(peer, server)
        expect(log).toEqual([
            "EAP-AKA peer: IDLE -> IDENTITY",
            "EAP-AKA server: IDENTITY -> CHALLENGE",
            "EAP-AKA peer: IDENTITY -> CHALLENGED",
            "EAP-AKA server: CHALLENGE -> RESULT",
            "EAP-AKA peer: CHALLENGED -> NOTIFIED",
            "EAP-AKA server: RESULT -> DONE",
            "EAP-AKA peer: NOTIFIED -> SUCCESS",
        ])
    })

    test("insufficient funds: declined 51, the card gets the reason MAC-protected", async () => {
        const ports = setup(methods, 100)
        const p = payment()
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, p)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), p, 1)
        await relay(peer, server)
        expect(server.outcome.success).toBe(false)
        expect(peer.outcome.result!.responseCode).toBe("51")
        expect(peer.state).toBe(PEER_FAILURE)
    })

    test("the terminal announced a different amount to the server: the card refuses, nothing is decided", async () => {
        const ports = setup()
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, payment(12500))
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), payment(99900), 1)
        await relay(peer, server)
        expect(server.outcome.success).toBe(false)
        expect(server.outcome.result!.responseCode).toBe("12")
        expect(ports.decisions).toHaveLength(0)
        expect(peer.outcome.failure).toMatch(/differs/)
    })

    test("any byte altered in a MAC-protected message, either way, ends without a standing approval", async () => {
        let cases = 0
        for (let round = 1; round < 4; round++) {
            for (const direction of ["toCard", "toServer"] as const) {
                const ports = setup()
                const p = payment()
                const peer = new AkaPeer(card(), opts, nodeAkaPlatform, p)
                const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), p, 1)
                let tampered = false
                const flip = (eap: Buffer, r: number) => {
                    if (r !== round || eap.length < 28) return eap
                    tampered = true
                    const b = Buffer.from(eap)
                    b[12] ^= 0x01 // inside the first attribute
                    return b
                }
                await relay(peer, server, { [direction]: flip })
                if (!tampered) continue
                cases++
                expect(server.outcome.success, `${direction} round ${round}`).toBe(false)
                expect(ports.finalApprovals(), `${direction} round ${round}`).toBe(0)
                expect(peer.outcome.success).toBe(false)
            }
        }
        expect(cases).toBe(4)
    })

    test("a server without the card's K fails authentication: the card aborts with a clear reason", async () => {
        const ports = new MemoryServerPorts(randomBytes)
        ports.addCard("c0ffee01", randomBytes(16), OPC, 1000)
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, payment())
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), payment(), 1)
        await relay(peer, server)
        expect(peer.outcome.serverAuthenticated).toBe(false)
        expect(peer.outcome.failure).toMatch(/server authentication failed/)
        expect(server.outcome.success).toBe(false)
        expect(ports.decisions).toHaveLength(0)
    })

    test("SQN out of sync: AUTS resynchronises the AuC and the exchange completes", async () => {
        const ports = setup()
        const c = card()
        c.sqn.accept(32 * 1000) // the card has seen SEQ 1000; the AuC is at 1
        const peer = new AkaPeer(c, opts, nodeAkaPlatform, null)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), null, 1)
        await relay(peer, server)
        expect(server.outcome.success).toBe(true)
        expect(ports.card("c0ffee01")!.seq).toBe(1001)
    })

    test("unknown card: EAP-Failure with response code 14, no authentication", async () => {
        const ports = new MemoryServerPorts(randomBytes)
        const peer = new AkaPeer(card(), opts, nodeAkaPlatform, payment())
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), payment(), 1)
        const trace = await relay(peer, server)
        expect(trace.toCard[trace.toCard.length - 1][0]).toBe(EAP_FAILURE)
        expect(server.outcome.result!.responseCode).toBe("14")
    })

    test("pseudonym then fast re-authentication: the card is not linkable, counters advance", async () => {
        const ports = setup()
        const c = card()
        const first = new AkaPeer(c, opts, nodeAkaPlatform, null)
        await relay(first, new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), null, 1))
        expect(c.pseudonym).not.toBe("")
        expect(c.reauthId).not.toBe("")
        const second = new AkaPeer(c, opts, nodeAkaPlatform, payment())
        const server2 = new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), payment(), 7)
        const trace = await relay(second, server2)
        expect(trace.toServer[0].toString("latin1")).not.toContain("c0ffee01")
        expect(server2.outcome.success).toBe(true)
        expect(second.outcome.result!.responseCode).toBe("00")
        expect(c.reauth!.counter).toBe(1)
        // Without a re-auth context the pseudonym is used, never the card ID.
        c.reauth = null
        c.reauthId = ""
        const third = new AkaPeer(c, opts, nodeAkaPlatform, null)
        const trace3 = await relay(third, new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), null, 9))
        expect(trace3.toServer[0].toString("latin1")).not.toContain("c0ffee01")
    })

    test("a replayed challenge is rejected by the card (SQN), not answered with RES", async () => {
        const ports = setup()
        const c = card()
        const peer = new AkaPeer(c, opts, nodeAkaPlatform, null)
        const trace = await relay(peer, new AkaServerSession(ports, nodeAkaPlatform, serverOptions(methods), null, 1))
        const challenge = trace.toCard.find((p) => p[4] === method && p[5] === 1)!
        const again = new AkaPeer(c, opts, nodeAkaPlatform, null)
        await again.handle(Buffer.from([1, 1, 0, 5, 1]))
        const resp = (await again.handle(challenge))!
        expect(resp[5]).toBe(4) // Synchronization-Failure, no RES
    })
})

describe("method negotiation", () => {
    test("bidding down: a terminal that rewrites the identity to force EAP-AKA is caught by AT_BIDDING", async () => {
        const ports = setup()
        const peer = new AkaPeer(card(), peerOptions({ preferPrime: true }), nodeAkaPlatform, null)
        const server = new AkaServerSession(ports, nodeAkaPlatform, serverOptions([EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]), null, 1)
        const forceAka = (eap: Buffer, r: number) =>
            r === 0 ? encodeEap({ code: 2, id: eap[1], type: 1, data: Buffer.from("0c0ffee01@pay.activecard.example") }) : eap
        await relay(peer, server, { toServer: forceAka })
        expect(peer.outcome.failure).toMatch(/bidding-down/)
        expect(server.outcome.success).toBe(false)
    })

    test("a card that only allows EAP-AKA' answers an EAP-AKA request with a Nak", async () => {
        const peer = new AkaPeer(card(), peerOptions({ allowAka: false }), nodeAkaPlatform, null)
        await peer.handle(Buffer.from([1, 1, 0, 5, 1]))
        const resp = (await peer.handle(Buffer.from([1, 2, 0, 8, 23, 5, 0, 0])))!
        expect(resp[4]).toBe(3) // Nak
        expect([...resp.subarray(5)]).toEqual([50])
    })
})
