// Fuzzing the EAP, EAP-AKA attribute and payment decoders, and the peer and server state
// machines, with random and mutated inputs: each input either decodes or fails with FormatError
// (PaymentFormatError from the payment decoders); the state machines never throw.

import { describe, expect, test } from "vitest"
import { decodeEap } from "../../src/eap/eap-packet"
import { CONTEXT_REQUEST, CONTEXT_RESPONSE, decodeAkaMessage, decodeAttributes, ENCRYPTED_ALLOWED } from "../../src/eap/aka-attributes"
import { decodePayment, PaymentFormatError } from "../../src/payment/payment"
import { decodeResult } from "../../src/payment/result"
import { FormatError } from "../../src/format-error"
import { AkaPeer } from "../../src/eap/aka-peer"
import { AkaServerSession } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { relay } from "../shared/eap-relay"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
let x = seed || 1
function rnd(n: number): number {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
}
function randomBytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = rnd(256)
    return b
}
function mutate(b: Buffer): Buffer {
    const m = Buffer.from(b)
    const kind = rnd(4)
    if (kind === 0 && m.length > 0) m[rnd(m.length)] ^= 1 << rnd(8)
    if (kind === 1 && m.length > 0) return m.subarray(0, rnd(m.length))
    if (kind === 2) return Buffer.concat([m, randomBytes(1 + rnd(8))])
    if (kind === 3 && m.length > 3) m[rnd(4)] = rnd(256) // header fields: code, id, length
    return m
}

const K = Buffer.from("465b5ce8b199b49faa5f0a2ee238a6bc", "hex")
const OPC = Buffer.from("cd63cb71954a9f4e48a5994e37a02baf", "hex")
const payment = { amount: 500, currency: 840, installments: 0, merchantId: "M1", terminalId: "T1", transactionId: Buffer.alloc(8, 7) }

/** True when a mutation changed what the message says (not just link padding after Length). */
function forged(original: Buffer, mutated: Buffer): boolean {
    try {
        const a = decodeEap(original)
        const b = decodeEap(mutated)
        return a.code !== b.code || a.type !== b.type || !a.data.equals(b.data)
    } catch (e) {
        return true
    }
}

/** Valid messages of a real exchange, to mutate. */
async function corpus(method: number): Promise<Buffer[]> {
    const ports = new MemoryServerPorts(randomBytes)
    ports.addCard("card1", K, OPC, 10_000)
    const card = { cardId: "card1", realm: "r", key: milenageKey(K, OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
    const peer = new AkaPeer(card, { preferPrime: method === EAP_TYPE_AKA_PRIME, allowAka: true, networkName: "", usePseudonyms: true }, nodeAkaPlatform, payment)
    const server = new AkaServerSession(ports, nodeAkaPlatform, { methods: [method], networkName: "N", realm: "r", alwaysAskIdentity: true }, payment, 1)
    const trace = await relay(peer, server)
    return trace.toCard.concat(trace.toServer)
}

describe(`decoders and state machines under fuzzing (seed ${seed})`, () => {
    test("decodeEap: 20,000 random and mutated inputs, only FormatError escapes", async () => {
        const valid = await corpus(EAP_TYPE_AKA_PRIME)
        let decoded = 0
        for (let i = 0; i < 20_000; i++) {
            const input = i % 2 === 0 ? randomBytes(rnd(64)) : mutate(valid[rnd(valid.length)])
            try {
                decodeEap(input)
                decoded++
            } catch (e) {
                expect(e).toBeInstanceOf(FormatError)
            }
        }
        expect(decoded).toBeGreaterThan(0)
    })

    test("decodeAkaMessage and encrypted attributes: 40,000 inputs, only FormatError escapes", async () => {
        const valid = (await corpus(EAP_TYPE_AKA)).concat(await corpus(EAP_TYPE_AKA_PRIME)).filter((p) => p.length > 5).map((p) => p.subarray(5))
        let decoded = 0
        for (let i = 0; i < 40_000; i++) {
            const input = i % 4 === 0 ? randomBytes(rnd(80)) : mutate(valid[rnd(valid.length)])
            for (const f of [
                () => decodeAkaMessage(input, CONTEXT_REQUEST, i % 2 === 0),
                () => decodeAkaMessage(input, CONTEXT_RESPONSE, i % 2 === 1),
                () => decodeAttributes(input, 0, ENCRYPTED_ALLOWED, false),
            ]) {
                try {
                    f()
                    decoded++
                } catch (e) {
                    expect(e).toBeInstanceOf(FormatError)
                }
            }
        }
        expect(decoded).toBeGreaterThan(0)
    })

    test("payment and result decoders: 20,000 inputs, only PaymentFormatError escapes", () => {
        for (let i = 0; i < 20_000; i++) {
            const input = randomBytes(rnd(48))
            for (const f of [() => decodePayment(input), () => decodeResult(input)]) {
                try {
                    f()
                } catch (e) {
                    expect(e).toBeInstanceOf(PaymentFormatError)
                }
            }
        }
    })

    test("peer and server state machines: 3,000 mutated exchanges never throw and never approve a forged message", async () => {
        for (const method of [EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME]) {
            for (let i = 0; i < 1500; i++) {
                const ports = new MemoryServerPorts(randomBytes)
                ports.addCard("card1", K, OPC, 10_000)
                const card = { cardId: "card1", realm: "r", key: milenageKey(K, OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
                const peer = new AkaPeer(card, { preferPrime: method === EAP_TYPE_AKA_PRIME, allowAka: true, networkName: "", usePseudonyms: true }, nodeAkaPlatform, payment)
                const server = new AkaServerSession(ports, nodeAkaPlatform, { methods: [method], networkName: "N", realm: "r", alwaysAskIdentity: i % 2 === 0 }, payment, 1)
                const target = rnd(4)
                const side = rnd(2)
                let hit = false
                let what = ""
                const hook = (eap: Buffer, r: number) => {
                    if (r !== target) return eap
                    const m = mutate(eap)
                    // EAP-Success comes after the card acknowledged the receipt: the approval rightly stands.
                    hit = eap[0] <= 2 && forged(eap, m)
                    what = `round ${r} ${side === 0 ? "to card" : "to server"}: ${eap.toString("hex")} -> ${m.toString("hex")}`
                    return m
                }
                try {
                    await relay(peer, server, side === 0 ? { toCard: hook } : { toServer: hook })
                } catch (e: any) {
                    // A discarded message leaves the card silent: the relay reports it, nothing threw inside.
                    expect(e.message).toMatch(/did not answer|did not finish/)
                }
                if (hit && target >= 2) expect(ports.finalApprovals(), what).toBe(0)
            }
        }
    })
})
