// EAP-TLS in the payment server's gateway beside EAP-AKA'/AKA, with the sessions in the data
// folder's SQLite and (with ACTIVECARD_TEST_PG_URL) in PostgreSQL, where EAP-TLS sessions stay in
// the memory of the process that began them: an identity that follows no AKA convention gets the
// EAP-TLS Start, a Nak listing EAP-TLS turns an AKA exchange to it, and an exchange that carries a
// payment is refused, its pending payment dropped, as payments over EAP-TLS are not offered.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { caPem, issuedIdentity as identity } from "../support/tls-identities"
import { PaymentServer } from "../../sim/server/payment-server"
import { provisionCard } from "../../sim/server/provision"
import type { GatewayReply } from "../../sim/server/eap-gateway"
import { decodeEap, EAP_REQUEST, EAP_RESPONSE, EAP_TYPE_AKA_PRIME, EAP_TYPE_IDENTITY, EAP_TYPE_NAK, encodeEap } from "../../src/eap/eap-packet"
import { EAP_TYPE_TLS } from "../../src/eap/eap-tls-fragments"
import type { Payment } from "../../src/payment/payment"
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
            await provisionCard(server.store, { cardId: "CARD0001", pan: "9400111122225555", holder: "TLS TEST", currency: 410, balance: 0, limit: 0, realm: "pay.activecard.example", networkName: "", noPinLimit: 0 })
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

        test("a payment over EAP-TLS: refused with the reason, its pending payment dropped, nothing approved", async () => {
            const payment: Payment = { amount: 1000, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "NAS00003", transactionId: Buffer.from("7474747474747474", "hex") }
            const r = await server.gateway.handle({ eap: response(9, EAP_TYPE_IDENTITY, Buffer.from("card@pay.activecard.example")), state: null, payment, terminalId: "NAS00003", client: CLIENT })
            expect(r.kind).toBe("reject")
            expect(r.reason).toBe("payments over EAP-TLS are not offered")
            expect(await server.ports.outcome(payment.transactionId)).toBeNull()
            expect(server.gateway.activeSessions).toBe(0)
        })
    })
}
