// EAP-TLS in the payment server's gateway beside EAP-AKA'/AKA, with the sessions in the data
// folder's SQLite and (with ACTIVECARD_TEST_PG_URL) in PostgreSQL, where EAP-TLS sessions stay in
// the memory of the process that began them: an identity that follows no AKA convention gets the
// EAP-TLS Start, a Nak listing EAP-TLS turns an AKA exchange to it, and a payment is decided
// inside the tunnel with the card's portable peer: approved and final once the card acknowledged
// the sealed result; declined when the terminal's payment is not the one the card confirmed or
// the certificate names no card; reversed when the card never acknowledges. The next payment
// resumes with the ticket of the last (no certificate, no signature), each ticket once.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { caPem, caPublicKey, issuedIdentity as identity, nodeCardPeer } from "../support/tls-identities"
import { PaymentServer } from "../../sim/server/payment-server"
import { TICKET_LIFETIME_S } from "../../sim/server/eap-tls-server"
import { provisionCard, provisionTerminal } from "../../sim/server/provision"
import type { GatewayReply } from "../../sim/server/eap-gateway"
import { decodeEap, EAP_REQUEST, EAP_RESPONSE, EAP_TYPE_AKA_PRIME, EAP_TYPE_IDENTITY, EAP_TYPE_NAK, encodeEap } from "../../src/eap/eap-packet"
import { EAP_TYPE_TLS } from "../../src/eap/eap-tls-fragments"
import { randomBytes } from "node:crypto"
import { encodePayment, type Payment } from "../../src/payment/payment"
import { PEER_DONE, PEER_FAILED, type EapTlsPeer } from "../../src/eap/eap-tls-peer"
import type { TlsTicket } from "../../src/tls/tls-client"
import { RC_APPROVED, RC_INVALID_CARD, RC_INVALID_TRANSACTION, RC_SYSTEM_MALFUNCTION } from "../../src/payment/result"
import { NodeEapTlsPeer } from "../support/node-eap-tls-peer"
import { createTestDatabase, PG_URL } from "../support/pg-database"

const SERVER_NAME = "payments.activecard.example"
const CLIENT = "127.0.0.1"


const response = (id: number, type: number, data: Buffer) => encodeEap({ code: EAP_RESPONSE, id, type, data })

for (const storage of ["sqlite", "postgresql"] as const) {
    describe.skipIf(storage === "postgresql" && PG_URL === undefined)(`EAP-TLS in the gateway, sessions in ${storage}`, () => {
        let dir = ""
        let server: PaymentServer
        let ca: CaIdentity
        let dropDb: () => Promise<void> = async () => {}

        beforeAll(async () => {
            dir = mkdtempSync(join(tmpdir(), "activecard-gw-tls-"))
            ca = loadCaIdentity(mkdtempSync(join(dir, "ca-")))
            const s = identity(ca, SERVER_NAME)
            let db: string | undefined
            if (storage === "postgresql") {
                const created = await createTestDatabase()
                db = created.url
                dropDb = created.drop
            }
            server = await PaymentServer.start({ dataDir: join(dir, "server"), db, udpPort: 0, tcpPort: 0, log: () => {}, tls: { key: s.key, cert: s.cert, ca: caPem(ca) } })
            await provisionCard(server.store, { cardId: "CARD0001", pan: "9400111122225555", holder: "TLS TEST", currency: 410, balance: 100_000, limit: 100_000, realm: "pay.activecard.example", networkName: "", noPinLimit: 0 })
            await provisionTerminal(server.store, CLIENT, "NAS00003", "MERCHANT0001", "127.0.0.1", 0)
        })
        afterAll(async () => {
            await server?.stop()
            await dropDb()
            rmSync(dir, { recursive: true, force: true })
        })

        const peer = () => {
            const card = identity(ca, "HONG GILDONG")
            return new NodeEapTlsPeer({ key: card.key, cert: card.cert, ca: caPem(ca), servername: SERVER_NAME })
        }

        /** From `reply` on, the peer answers every EAP-TLS request; the gateway's last reply. */
        async function tlsToTheEnd(reply: GatewayReply, p: NodeEapTlsPeer): Promise<GatewayReply> {
            for (let round = 0; round < 40 && reply.kind === "challenge"; round++) {
                expect(decodeEap(reply.eap).type).toBe(EAP_TYPE_TLS)
                reply = await server.gateway.handle({ eap: await p.handle(reply.eap), state: reply.state, payment: null, terminalId: "NAS00003", client: CLIENT })
            }
            return reply
        }

        test("EAP-Start, then an identity that is no AKA identity: EAP-TLS, mutual authentication, Access-Accept", async () => {
            const p = peer()
            const first = await server.gateway.handle({ eap: null, state: null, payment: null, terminalId: "NAS00003", client: CLIENT })
            const asked = decodeEap(first.eap)
            expect(asked.code === EAP_REQUEST && asked.type === EAP_TYPE_IDENTITY).toBe(true)
            const start = await server.gateway.handle({ eap: response(asked.id, EAP_TYPE_IDENTITY, Buffer.from("card@pay.activecard.example")), state: first.state, payment: null, terminalId: "NAS00003", client: CLIENT })
            expect(decodeEap(start.eap).data[0]).toBe(0x20)
            const last = await tlsToTheEnd(start, p)
            expect(last.kind, last.reason).toBe("accept")
            expect(p.successIndicated).toBe(true)
            expect(server.gateway.activeSessions).toBe(0)
            p.close()
        })

        test("an AKA' identity, then a Nak that lists EAP-TLS: the exchange turns to EAP-TLS and succeeds", async () => {
            const p = peer()
            const aka = await server.gateway.handle({ eap: response(5, EAP_TYPE_IDENTITY, Buffer.from("6CARD0001@pay.activecard.example")), state: null, payment: null, terminalId: "NAS00003", client: CLIENT })
            const offered = decodeEap(aka.eap)
            expect(offered.type).toBe(EAP_TYPE_AKA_PRIME)
            const start = await server.gateway.handle({ eap: response(offered.id, EAP_TYPE_NAK, Buffer.from([EAP_TYPE_TLS])), state: aka.state, payment: null, terminalId: "NAS00003", client: CLIENT })
            expect(decodeEap(start.eap).type).toBe(EAP_TYPE_TLS)
            const last = await tlsToTheEnd(start, p)
            expect(last.kind, last.reason).toBe("accept")
            p.close()
        })

        const newPayment = (amount: number): Payment => ({ amount, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "NAS00003", transactionId: randomBytes(8) })

        /**
         * A payment the terminal relays: `sent` in the Access-Request, `shown` on the card (what it
         * confirms in the tunnel). The card answers until it stops or `stopAfter` of its answers.
         */
        async function pay(card: EapTlsPeer, sent: Payment, stopAfter = Infinity): Promise<GatewayReply> {
            let reply = await server.gateway.handle({ eap: response(9, EAP_TYPE_IDENTITY, Buffer.from("@pay.activecard.example")), state: null, payment: sent, terminalId: "NAS00003", client: CLIENT })
            for (let round = 0; round < 40 && reply.kind === "challenge" && round < stopAfter; round++) {
                const answer = await card.handle(reply.eap)
                if (answer === null) break
                reply = await server.gateway.handle({ eap: answer, state: reply.state, payment: null, terminalId: "NAS00003", client: CLIENT })
            }
            if (reply.kind !== "challenge") await card.handle(reply.eap)
            return reply
        }
        const cardPeer = (shown: Payment, cardId: string | null = "CARD0001", ticket: TlsTicket | null = null, card = identity(ca, "HONG GILDONG", cardId ?? undefined)) =>
            nodeCardPeer(card, caPublicKey(ca), SERVER_NAME, undefined, encodePayment(shown), ticket)

        test("a payment: confirmed in the tunnel, approved, the result verified by the card, final once acknowledged", async () => {
            const payment = newPayment(1000)
            const before = (await server.store.card("CARD0001"))!.balance
            const card = cardPeer(payment)
            const r = await pay(card, payment)
            expect(r.kind, r.reason).toBe("accept")
            expect(r.result?.responseCode).toBe(RC_APPROVED)
            expect(card.state).toBe(PEER_DONE)
            expect(card.result).toEqual(r.result)
            expect(await server.ports.outcome(payment.transactionId)).toMatchObject({ state: "final" })
            expect((await server.store.card("CARD0001"))!.balance).toBe(before - 1000)
            expect(server.gateway.activeSessions).toBe(0)
        })

        test("the next payments resume with the tickets of a full handshake, each once: approved without certificates; then a full handshake again", async () => {
            const card = identity(ca, "HONG GILDONG", "CARD0001")
            const before = (await server.store.card("CARD0001"))!.balance
            const first = newPayment(1000)
            const full = cardPeer(first, "CARD0001", null, card)
            expect((await pay(full, first)).kind).toBe("accept")
            expect(full.tls?.resumed).toBe(false)
            // OpenSSL sends two tickets after a full handshake and none after a resumption.
            const tickets = full.tls?.newTickets ?? []
            expect(tickets).toHaveLength(2)
            expect(tickets[0].lifetimeSeconds).toBe(TICKET_LIFETIME_S)

            for (const [i, ticket] of tickets.entries()) {
                const p = newPayment(2000 + i)
                const resumed = cardPeer(p, "CARD0001", ticket, card)
                const r = await pay(resumed, p)
                expect(r.kind, r.reason).toBe("accept")
                expect(resumed.tls?.resumed).toBe(true)
                expect(resumed.result?.approvalNumber).toBe(r.result?.approvalNumber)
            }

            // A spent ticket offered again: refused before any decision.
            const again = newPayment(3000)
            const refused = await pay(cardPeer(again, "CARD0001", tickets[0], card), again)
            expect(refused.kind).toBe("reject")
            expect(refused.reason).toBe("a ticket that already resumed a connection, offered again")
            expect(await server.ports.outcome(again.transactionId)).toBeNull()
            expect((await server.store.card("CARD0001"))!.balance).toBe(before - 1000 - 2000 - 2001)
        })

        test("a tampering terminal: the card confirms the payment it showed, not the one relayed; declined, nothing debited", async () => {
            const shown = newPayment(1000)
            const sent = { ...shown, amount: 9000 }
            const before = (await server.store.card("CARD0001"))!.balance
            const card = cardPeer(shown)
            const r = await pay(card, sent)
            expect(r.kind).toBe("reject")
            expect(r.result).toEqual({ responseCode: RC_INVALID_TRANSACTION, approvalNumber: "", reason: "the card did not confirm this payment" })
            expect(card.state).toBe(PEER_FAILED)
            expect(card.result?.responseCode).toBe(RC_INVALID_TRANSACTION)
            expect((await server.store.card("CARD0001"))!.balance).toBe(before)
            expect(server.gateway.activeSessions).toBe(0)
        })

        test("a certificate from the cards' CA that names no card: declined as an invalid card", async () => {
            const payment = newPayment(1000)
            const r = await pay(cardPeer(payment, null), payment)
            expect(r.kind).toBe("reject")
            expect(r.result?.responseCode).toBe(RC_INVALID_CARD)
        })

        test("the card leaves after the sealed approval, before acknowledging it: the inquiry reverses it", async () => {
            const payment = newPayment(1000)
            const before = (await server.store.card("CARD0001"))!.balance
            const card = cardPeer(payment)
            // The card reads the sealed result; its acknowledgement never reaches the server.
            let reply = await server.gateway.handle({ eap: response(9, EAP_TYPE_IDENTITY, Buffer.from("@pay.activecard.example")), state: null, payment, terminalId: "NAS00003", client: CLIENT })
            for (let round = 0; round < 40 && reply.kind === "challenge"; round++) {
                const answer = await card.handle(reply.eap)
                if (card.result !== null || answer === null) break
                reply = await server.gateway.handle({ eap: answer, state: reply.state, payment: null, terminalId: "NAS00003", client: CLIENT })
            }
            expect(card.result?.responseCode).toBe(RC_APPROVED)
            expect(await server.ports.outcome(payment.transactionId)).toMatchObject({ state: "provisional" })
            const answer = await server.gateway.inquire(payment.transactionId, CLIENT)
            expect(answer.kind).toBe("final")
            expect(answer.result?.responseCode).toBe(RC_SYSTEM_MALFUNCTION)
            expect((await server.store.card("CARD0001"))!.balance).toBe(before)
            expect(server.gateway.activeSessions).toBe(0)
        })
    })
}
