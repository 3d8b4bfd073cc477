// The card's EAP-TLS 1.3 peer (src/eap/eap-tls-peer.ts over src/tls/tls-client.ts, the code the
// card would run) against the payment server's EAP-TLS session (Node's tls.Server, OpenSSL):
// mutual authentication with certificates from our CA and the MSK equal on both sides; and the
// refusals: a server certificate from another CA or for another name (the card's alert, then
// EAP-Failure), a card certificate from another CA (the server refuses), and an EAP-Success
// before the protected success indication.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { nodeTlsHash } from "../../sim/node-platform"
import { EapTlsServerSession } from "../../sim/server/eap-tls-server"
import { decodeEap, EAP_FAILURE, EAP_SUCCESS } from "../../src/eap/eap-packet"
import { EapTlsPeer, PEER_DONE, PEER_FAILED } from "../../src/eap/eap-tls-peer"
import { TLS_CONNECTED, TLS_WAIT_FLIGHT, TLS_WAIT_SERVER_HELLO, TlsClient } from "../../src/tls/tls-client"
import { randomBytes, sign } from "node:crypto"
import { makeEapTlsVectors, RECORDED_PAYMENT } from "../support/eap-tls-vectors"
import { caPem, caPublicKey, issuedIdentity as identity, nodeCardPeer, type TestIdentity } from "../support/tls-identities"
import { eapTlsPaymentReplayCases, eapTlsReplayCases, eapTlsResumedReplayCases } from "../shared/eap-tls-replay-cases"

const SERVER_NAME = "payments.activecard.example"

let dir = ""
let ca: CaIdentity
let otherCa: CaIdentity

const cardPeer = (card: TestIdentity, trusted: CaIdentity) => nodeCardPeer(card, caPublicKey(trusted), SERVER_NAME, 300)

/** Server and card exchange EAP until one of them ends; the server's last packet. */
async function run(server: EapTlsServerSession, peer: EapTlsPeer) {
    let packet = server.start()
    for (let round = 0; round < 80; round++) {
        const answer = await peer.handle(packet)
        if (decodeEap(packet).code !== 1) return decodeEap(packet)
        if (answer === null) return null
        packet = await server.handle(answer)
    }
    throw new Error("the exchange did not end")
}

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "eap-tls-peer-"))
    ca = loadCaIdentity(mkdtempSync(join(dir, "ca-")))
    otherCa = loadCaIdentity(mkdtempSync(join(dir, "other-")))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the card's EAP-TLS 1.3 peer against the server's EAP-TLS session", () => {
    test("mutual authentication: EAP-Success after the success indication, the same MSK and EMSK on both sides", async () => {
        const s = identity(ca, SERVER_NAME)
        const card = identity(ca, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3, { fragmentData: 300 })
        const peer = cardPeer(card, ca)
        const last = await run(server, peer)
        expect(last?.code, server.outcome.reason + " / " + peer.failure).toBe(EAP_SUCCESS)
        expect(peer.state).toBe(PEER_DONE)
        expect(peer.msk!.equals(server.outcome.msk!)).toBe(true)
        expect(peer.emsk!.equals(server.outcome.emsk!)).toBe(true)
        expect(server.outcome.peerCertificate!.equals(card.der)).toBe(true)
    })

    test("the server's flight is worked on fragment by fragment: the ServerHello's shared secret before the last fragment, the answer after it", async () => {
        const s = identity(ca, SERVER_NAME)
        const card = identity(ca, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3, { fragmentData: 300 })
        const peer = cardPeer(card, ca)
        let packet = server.start()
        const states: string[] = []
        for (let round = 0; round < 80 && decodeEap(packet).code === 1; round++) {
            const answer = await peer.handle(packet)
            states.push(peer.tls?.state ?? "none")
            if (answer === null) break
            packet = await server.handle(answer)
        }
        expect(decodeEap(packet).code, server.outcome.reason + " / " + peer.failure).toBe(EAP_SUCCESS)
        // The first answers: the Identity, then the ClientHello; the server's flight then spans fragments.
        const flight = states.slice(states.indexOf(TLS_WAIT_SERVER_HELLO) + 1)
        const wait = flight.filter((x) => x === TLS_WAIT_FLIGHT).length
        expect(wait, states.join(" ")).toBeGreaterThanOrEqual(2)
        expect(flight[0], states.join(" ")).toBe(TLS_WAIT_FLIGHT)
        expect(flight.at(-1)).toBe(TLS_CONNECTED)
    })

    test("a server certificate the card verified before skips its CA signature, those bytes only; name and CertificateVerify still checked", async () => {
        // Signed by a CA the card does not trust: accepted only as the very certificate the card knows.
        const s = identity(otherCa, SERVER_NAME)
        const card = identity(ca, "HONG GILDONG")
        const peerKnowing = (known: Buffer) =>
            new EapTlsPeer(
                () =>
                    new TlsClient({
                        hash: nodeTlsHash,
                        randomBytes: (n: number) => randomBytes(n),
                        yieldSlice: async () => {},
                        serverName: SERVER_NAME,
                        caPublicKey: caPublicKey(ca),
                        certificate: card.der,
                        sign: async (m: Buffer) => sign(null, m, card.privateKey),
                        now: Math.floor(Date.now() / 1000),
                        knownServerCertificate: known,
                    }),
                "@pay.activecard.example",
            )
        const known = peerKnowing(s.der)
        expect((await run(new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3), known))?.code, known.failure).toBe(EAP_SUCCESS)
        expect(known.tls?.verifiedServerCertificate?.equals(s.der)).toBe(true)
        const other = identity(otherCa, SERVER_NAME)
        const stranger = peerKnowing(other.der.subarray(0, other.der.length - 1))
        expect((await run(new EapTlsServerSession({ key: other.key, cert: other.cert, ca: caPem(ca) }, 3), stranger))?.code).toBe(EAP_FAILURE)
        expect(stranger.failure).toMatch(/not signed by the card's CA/)
    })

    test("a server certificate from another CA: the card says unknown_ca, the server ends with EAP-Failure", async () => {
        const s = identity(otherCa, SERVER_NAME)
        const card = identity(ca, "HONG GILDONG")
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3)
        const peer = cardPeer(card, ca)
        const last = await run(server, peer)
        expect(last?.code).toBe(EAP_FAILURE)
        expect(peer.state).toBe(PEER_FAILED)
        expect(peer.failure).toMatch(/not signed by the card's CA/)
        expect(server.outcome.reason).toMatch(/unknown ca/i)
        expect(peer.msk).toBeNull()
    })

    test("a server certificate for another name: refused by the card", async () => {
        const s = identity(ca, "elsewhere.example")
        const peer = cardPeer(identity(ca, "HONG GILDONG"), ca)
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3)
        expect((await run(server, peer))?.code).toBe(EAP_FAILURE)
        expect(peer.failure).toMatch(/names elsewhere.example, not payments.activecard.example/)
    })

    test("a card certificate from another CA: the server refuses it, EAP-Failure, no keys on either side", async () => {
        const s = identity(ca, SERVER_NAME)
        const peer = cardPeer(identity(otherCa, "HONG GILDONG"), ca)
        const server = new EapTlsServerSession({ key: s.key, cert: s.cert, ca: caPem(ca) }, 3)
        expect((await run(server, peer))?.code).toBe(EAP_FAILURE)
        expect(server.outcome.reason).toMatch(/client certificate refused/)
        expect(peer.msk).toBeNull()
        expect(server.outcome.msk).toBeNull()
    })

    test("an EAP-Success before the protected success indication is refused", async () => {
        const peer = cardPeer(identity(ca, "HONG GILDONG"), ca)
        expect(await peer.handle(Buffer.from([3, 1, 0, 4]))).toBeNull()
        expect(peer.state).toBe(PEER_FAILED)
        expect(peer.failure).toMatch(/before the protected success indication/)
    })
})

describe("the recorded exchange the VM replays", () => {
    test("replayed in Node: the same answers, the same MSK; a changed byte refused", async () => {
        const v = await makeEapTlsVectors()
        expect(v.serverPackets.length).toBeGreaterThan(4)
        for (const c of eapTlsReplayCases(v, nodeTlsHash)) await c.run({ hmacSha256: nodeTlsHash.hmac, yieldSlice: async () => {} })
    })

    test("a payment replayed in Node: the same answers, the sealed approval read from the tunnel", async () => {
        const v = await makeEapTlsVectors(RECORDED_PAYMENT)
        expect(v.serverPackets.length).toBeGreaterThan(5)
        for (const c of eapTlsPaymentReplayCases(v, nodeTlsHash)) await c.run({ hmacSha256: nodeTlsHash.hmac, yieldSlice: async () => {} })
    })

    test("a payment resumed with the ticket of a recorded full exchange, replayed in Node: the ticket taken, the same answers and MSK", async () => {
        const v = await makeEapTlsVectors(RECORDED_PAYMENT, true)
        expect(v.ticket).not.toBeNull()
        expect(v.now - v.ticket!.receivedAt).toBeLessThan(v.ticket!.lifetimeSeconds)
        for (const c of eapTlsResumedReplayCases(v, nodeTlsHash)) await c.run({ hmacSha256: nodeTlsHash.hmac, yieldSlice: async () => {} })
    })
})
