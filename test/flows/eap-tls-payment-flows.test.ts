// EAP-TLS payments through the terminal's relay logic and the payment server over real RADIUS
// sockets on loopback: the card's portable EAP-TLS peer confirms the payment it was offered inside
// the tunnel and verifies the sealed result (figure 6, steps 635-640); the terminal relays opaque
// EAP-TLS fragments and learns the outcome from the Access-Accept or Access-Reject, as over
// EAP-AKA'. The next payments resume with the tickets of a full handshake, each once. Faults: a
// replayed ClientHello with a spent ticket, an expired card certificate, a revoked one (the CA's
// CRL at the server: at the full handshake and for a ticket issued before), a tampering terminal, an altered record, a card pulled away before it
// acknowledged an approval, a certificate from another CA, a server certificate for another name,
// the server down.

import { randomBytes, X509Certificate } from "node:crypto"
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import { pem, type CaIdentity } from "../../sim/ca/issue-certificate"
import { CaStore } from "../../sim/ca/ca-store"
import { currentCrl } from "../../sim/ca/crl"
import type { LedgerRecord } from "../../sim/db/storage"
import { PEER_DONE, PEER_FAILED } from "../../src/eap/eap-tls-peer"
import type { Payment } from "../../src/payment/payment"
import { caPem, caPublicKey, issuedIdentity, nodeCardPeer, type TestIdentity } from "../support/tls-identities"
import { newPayment, pay, startWorld, uplinkFor, type World } from "../support/payment-world"
import { TlsCard } from "../support/tls-card"
import { LinkLostError } from "../../src/link/apdu-link"
import { tampering } from "./payment-flows-cases"

const SERVER_NAME = "payments.activecard.example"

let dir = ""
let ca: CaIdentity
let otherCa: CaIdentity
let serverIdentity: TestIdentity
let cardIdentity: TestIdentity
let world: World

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "activecard-tls-flows-"))
    ca = loadCaIdentity(mkdtempSync(join(dir, "ca-")))
    otherCa = loadCaIdentity(mkdtempSync(join(dir, "other-ca-")))
    serverIdentity = issuedIdentity(ca, SERVER_NAME)
    cardIdentity = issuedIdentity(ca, "HONG GILDONG", "CARD0001")
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

beforeEach(async () => {
    world = await startWorld(1_000_000, { tls: { key: serverIdentity.key, cert: serverIdentity.cert, ca: caPem(ca) } })
})
afterEach(async () => await world.close())

/** The card's EAP-TLS peer: its certificate, the CA key it trusts, the server name it expects. */
function tlsCard(identity = cardIdentity, trusted = ca, serverName = SERVER_NAME): TlsCard {
    return new TlsCard((payment, ticket) => nodeCardPeer(identity, caPublicKey(trusted), serverName, undefined, payment, ticket))
}

async function standingApprovals(): Promise<LedgerRecord[]> {
    return (await world.server.store.ledger()).filter((r) => r.result.responseCode === "00" && r.state === "final")
}

/** Whether a string crossed the terminal in any EAP message of an exchange. */
const seenByTerminal = (relay: { observed: { eap: Buffer }[] }, text: string) => Buffer.concat(relay.observed.map((o) => o.eap)).toString("latin1").includes(text)

describe.each(["udp", "tcp"] as const)("EAP-TLS over RADIUS/%s", (transport) => {
    test("approved: the approval number on the terminal is the one the card verified in the tunnel; the card's certificate never crossed in the clear", async () => {
        const { uplink, client } = await uplinkFor(world, transport)
        const card = tlsCard()
        const { outcome, relay } = await pay(card, uplink, newPayment(15000, { installments: 3 }), world.pin)
        await client.close()
        expect(outcome.approved, outcome.message).toBe(true)
        expect(outcome.approvalNumber).toMatch(/^\d{6}$/)
        expect(card.peer?.state).toBe(PEER_DONE)
        expect(card.peer?.result?.approvalNumber).toBe(outcome.approvalNumber)
        expect(await standingApprovals()).toHaveLength(1)
        expect((await world.server.store.card("CARD0001"))!.balance).toBe(1_000_000 - 15000)
        // TLS 1.3 encrypts the client's Certificate: neither the card ID nor the holder's name is readable.
        expect(relay.observed.length).toBeGreaterThan(8)
        expect(seenByTerminal(relay, "CARD0001")).toBe(false)
        expect(seenByTerminal(relay, "HONG GILDONG")).toBe(false)
    })
})

describe("resumption", () => {
    test("payments after the first resume with its two tickets, each once, then a full handshake again: all approved, fewer bytes", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard()
        const resumed: boolean[] = []
        const bytes: number[] = []
        for (let i = 0; i < 4; i++) {
            const { outcome, relay } = await pay(card, uplink, newPayment(1000 + i), world.pin)
            expect(outcome.approved, outcome.message).toBe(true)
            resumed.push(card.peer?.tls?.resumed === true)
            bytes.push(relay.observed.reduce((n, o) => n + o.eap.length, 0))
        }
        await client.close()
        expect(resumed).toEqual([false, true, true, false])
        expect(bytes[1]).toBeLessThan(bytes[0] / 2)
        expect(await standingApprovals()).toHaveLength(4)
    })

    test("a terminal that replays a resumed payment's ClientHello in a later payment: the spent ticket is refused, nothing approved", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard()
        expect((await pay(card, uplink, newPayment(1000), world.pin)).outcome.approved).toBe(true)
        const { relay } = await pay(card, uplink, newPayment(1001), world.pin)
        expect(card.peer?.tls?.resumed).toBe(true)
        // The card's EAP-TLS ClientHello: its first EAP-TLS response.
        const recorded = relay.observed.filter((o) => o.from === "card")[1].eap
        const replaying = (eap: Buffer, n: number) => (n === 1 ? Buffer.concat([eap.subarray(0, 2), recorded.subarray(2)]) : eap)
        const { outcome } = await pay(card, tampering(uplink, { eap: replaying }), newPayment(1002), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(await standingApprovals()).toHaveLength(2)
        expect(world.log.join("\n")).toMatch(/reject .*a ticket that already resumed a connection, offered again/)
    })
})

describe("faults: nothing approved, a clear message on the terminal and a reason in the server's log", () => {
    test.each([
        ["amount", (p: Payment) => ({ ...p, amount: p.amount * 10 })],
        ["merchant", (p: Payment) => ({ ...p, merchantId: "EVILSHOP" })],
    ])("a terminal that announces another %s than the card was offered: declined 12", async (_what, alter) => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard()
        const { outcome } = await pay(card, tampering(uplink, { payment: alter }), newPayment(1000), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(outcome.responseCode).toBe("12")
        expect(card.peer?.result?.responseCode).toBe("12")
        expect(await standingApprovals()).toHaveLength(0)
        expect(world.log.join("\n")).toMatch(/reject .*12 the card did not confirm this payment/)
    })

    test("a byte of the card's protected flight altered by the terminal: the TLS handshake fails, nothing approved", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        // The card's largest message is its flight of Certificate, CertificateVerify and Finished.
        const flipLongest = (eap: Buffer) => {
            if (eap.length < 300) return eap
            const b = Buffer.from(eap)
            b[b.length - 20] ^= 0x01
            return b
        }
        const { outcome } = await pay(tlsCard(), tampering(uplink, { eap: flipLongest }), newPayment(1000), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(await standingApprovals()).toHaveLength(0)
        expect(world.log.join("\n")).toMatch(/reject .*TLS/)
    })

    test("the card pulled away after the sealed approval, before its acknowledgement: CARD REMOVED, the approval reversed", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard()
        const original = card.eap.bind(card)
        card.eap = async (req: Buffer) => {
            const answer = await original(req)
            // The card has read the sealed result: its acknowledgement never leaves it.
            if (card.peer !== null && card.peer.result !== null) {
                card.removed = true
                throw new LinkLostError("card removed from the field")
            }
            return answer
        }
        const { outcome } = await pay(card, uplink, newPayment(1000), world.pin)
        await client.close()
        expect(outcome.message).toMatch(/CARD REMOVED/)
        await world.server.gateway.sweep(Infinity)
        expect(await standingApprovals()).toHaveLength(0)
        const reversed = (await world.server.store.ledger()).filter((r) => r.state === "reversed")
        expect(reversed).toHaveLength(1)
        expect((await world.server.store.card("CARD0001"))!.balance).toBe(1_000_000)
    })

    test("a card certificate from another CA: refused by the server, nothing approved", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const { outcome } = await pay(tlsCard(issuedIdentity(otherCa, "MALLORY", "CARD0001")), uplink, newPayment(1000), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(await standingApprovals()).toHaveLength(0)
        expect(world.log.join("\n")).toMatch(/reject .*client certificate refused/)
    })

    test("a server certificate for another name: the card refuses the server and answers no more", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard(cardIdentity, ca, "other.activecard.example")
        const { outcome } = await pay(card, uplink, newPayment(1000), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(card.peer?.state).toBe(PEER_FAILED)
        expect(card.peer?.failure).toMatch(/name/)
        expect(await standingApprovals()).toHaveLength(0)
    })

    test("server down: SERVER UNREACHABLE, no approval", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        await world.server.udp.close()
        const { outcome } = await pay(tlsCard(), uplink, newPayment(1000), world.pin)
        await client.close()
        expect(outcome.message).toMatch(/SERVER UNREACHABLE/)
        expect(outcome.responseCode).toBe("91")
    })
})

describe("the card certificate's status at the server: refused with the reason on the terminal", () => {
    test("an expired card certificate: DECLINED 14 CARD CERTIFICATE EXPIRED, nothing approved", async () => {
        const { uplink, client } = await uplinkFor(world, "udp")
        const expired = issuedIdentity(ca, "HONG GILDONG", "CARD0001", new Date(Date.now() - 60 * 86_400_000))
        const { outcome } = await pay(tlsCard(expired), uplink, newPayment(1000), world.pin)
        await client.close()
        expect(outcome.approved).toBe(false)
        expect(outcome.message).toBe("DECLINED 14 CARD CERTIFICATE EXPIRED")
        expect(world.log.join("\n")).toMatch(/reject .*CERT_HAS_EXPIRED/)
        expect(await standingApprovals()).toHaveLength(0)
    })

    test("revoked at the CA, the server's CRL file replaced: a ticket from before no longer pays, nor does a full handshake", async () => {
        // The CA's own store and CRL code (sim/ca): the card's certificate recorded, then revoked.
        const store = CaStore.open(mkdtempSync(join(dir, "ca-store-")))
        const crlFile = join(dir, "cards.crl")
        // Each CRL written with its own modification time: the server reads the file again when it changes.
        const writeCrl = (modified: Date) => {
            writeFileSync(crlFile, pem(currentCrl(store, ca), "X509 CRL"))
            utimesSync(crlFile, modified, modified)
        }
        const serial = new X509Certificate(cardIdentity.der).serialNumber.toLowerCase()
        const { reference } = store.register("HONG GILDONG", "+821000000000")
        store.issue(reference, randomBytes(16), randomBytes(16), 0, { serial, subject: "CN=HONG GILDONG", der: cardIdentity.der, notBefore: Date.now() - 60_000, notAfter: Date.now() + 86_400_000 }, true)
        writeCrl(new Date())
        await world.close()
        world = await startWorld(1_000_000, { tls: { key: serverIdentity.key, cert: serverIdentity.cert, ca: caPem(ca), crlFile } })
        const { uplink, client } = await uplinkFor(world, "udp")
        const card = tlsCard()
        expect((await pay(card, uplink, newPayment(1000), world.pin)).outcome.approved).toBe(true)
        expect(card.tickets.tickets).toHaveLength(2)

        store.revoke(serial, 1)
        writeCrl(new Date(Date.now() + 2000))
        const resumed = await pay(card, uplink, newPayment(1001), world.pin)
        expect(card.peer?.tls?.resumed).toBe(true)
        expect(resumed.outcome.message).toBe("DECLINED 14 CARD CERTIFICATE REVOKED")
        const full = await pay(tlsCard(), uplink, newPayment(1002), world.pin)
        expect(full.outcome.message).toBe("DECLINED 14 CARD CERTIFICATE REVOKED")
        await client.close()
        store.close()
        expect(world.log.join("\n")).toMatch(/reject .*CERT_REVOKED/)
        expect(await standingApprovals()).toHaveLength(1)
    })
})
