// The payment status inquiry (src/radius/inquiry.ts): its codec; the server's answers over real
// RADIUS/UDP for an approved, a declined, an unknown and another terminal's transaction, a
// transaction not final yet, malformed inquiries and wrong authenticators; and the terminal's
// state machine after a lost answer (it asks, waits with a growing delay while the server is
// down, gives up after a bound, and shows what the ledger holds). With ACTIVECARD_TEST_PG_URL, the
// same when the sessions live in PostgreSQL and the inquiry reaches another server process than
// the one that ran the exchange: the exchange is ended through the session table, a step that
// process is computing meanwhile answers nothing, and an approval whose process died is reversed
// at once.

import { randomBytes } from "node:crypto"
import { createSocket } from "node:dgram"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { RadiusClient } from "../../sim/radius/client"
import { SessionSuperseded, type GatewayReply } from "../../sim/server/eap-gateway"
import { PaymentServer } from "../../sim/server/payment-server"
import { provisionTerminal } from "../../sim/server/provision"
import { paymentRules } from "../../sim/server/ledger-ports"
import { CODE_ACCESS_ACCEPT, CODE_ACCESS_REJECT, CODE_ACCESS_REQUEST, decodePacket, encodePacket, RadiusFormatError } from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_NAS_IDENTIFIER, ATTR_SERVICE_TYPE, integerAttribute, SERVICE_TYPE_AUTHORIZE_ONLY, SERVICE_TYPE_AUTHENTICATE_ONLY, textAttribute } from "../../src/radius/attributes"
import { inquiryAttributes, isInquiry, readInquiry } from "../../src/radius/inquiry"
import { paymentAttributes, readPaymentAttributes, vendorSpecific, VENDOR_ID, VSA_TRANSACTION_ID } from "../../src/radius/vendor"
import { encodePayment } from "../../src/payment/payment"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { inquiryPolicy, TERMINAL_DONE, TERMINAL_IN_DOUBT, TERMINAL_INQUIRY, TerminalRelay, UplinkError, UplinkPort, UplinkReply } from "../../src/terminal/terminal-relay"
import { newCard, newPayment, startWorld, uplinkFor, World } from "../support/payment-world"
import { createTestDatabase, noteSkipped, PG_URL } from "../support/pg-database"
import { rawUdp, signedRequest, sleep } from "../support/radius-net"

const loopback2 = await new Promise<boolean>((resolve) => {
    const probe = createSocket("udp4")
    probe.once("error", () => resolve(false))
    probe.bind(0, "127.0.0.2", () => probe.close(() => resolve(true)))
})

describe("inquiry codec", () => {
    const txid = Buffer.from("0102030405060708", "hex")
    const decoded = (attrs: ReturnType<typeof inquiryAttributes>) => decodePacket(encodePacket({ code: CODE_ACCESS_REQUEST, identifier: 1, authenticator: Buffer.alloc(16), attributes: attrs })).attributes

    test("Service-Type Authorize-Only, NAS-Identifier and the Transaction-Id round-trip", () => {
        const attrs = decoded(inquiryAttributes("TERM0001", txid))
        expect(attrs.map((a) => a.type)).toEqual([ATTR_SERVICE_TYPE, ATTR_NAS_IDENTIFIER, 26])
        expect(attrs[0].value.toString("hex")).toBe("00000011")
        expect(isInquiry(attrs)).toBe(true)
        expect(readInquiry(attrs).equals(txid)).toBe(true)
    })

    test("an Access-Request with another Service-Type, or none, is no inquiry", () => {
        expect(isInquiry(decoded([integerAttribute(ATTR_SERVICE_TYPE, SERVICE_TYPE_AUTHENTICATE_ONLY), ...paymentAttributes({ transactionId: txid })]))).toBe(false)
        expect(isInquiry(decoded(paymentAttributes({ transactionId: txid })))).toBe(false)
    })

    test.each([
        ["no Transaction-Id", () => [integerAttribute(ATTR_SERVICE_TYPE, SERVICE_TYPE_AUTHORIZE_ONLY)]],
        ["a Transaction-Id of 7 bytes", () => [integerAttribute(ATTR_SERVICE_TYPE, SERVICE_TYPE_AUTHORIZE_ONLY), vendorSpecific(VENDOR_ID, [{ type: VSA_TRANSACTION_ID, value: Buffer.alloc(7) }])]],
        ["two Transaction-Ids", () => [...inquiryAttributes("TERM0001", txid), ...paymentAttributes({ transactionId: txid })]],
        ["a payment amount", () => [...inquiryAttributes("TERM0001", txid), ...paymentAttributes({ amount: 100 })]],
        ["a result", () => [...inquiryAttributes("TERM0001", txid), ...paymentAttributes({ responseCode: "00" })]],
        ["an EAP-Message", () => [...inquiryAttributes("TERM0001", txid), { type: ATTR_EAP_MESSAGE, value: Buffer.from("02010005", "hex") }]],
        ["two Service-Types", () => [integerAttribute(ATTR_SERVICE_TYPE, SERVICE_TYPE_AUTHORIZE_ONLY), ...inquiryAttributes("TERM0001", txid)]],
    ])("malformed: %s", (_what, attrs) => {
        const a = decoded(attrs())
        expect(isInquiry(a)).toBe(true)
        expect(() => readInquiry(a)).toThrow(RadiusFormatError)
    })
})

/** The real uplink whose answers `lose` picks are lost after the server handled them; inquiries can be made to fail or answered. */
function lossy(inner: UplinkPort, lose: (r: UplinkReply) => boolean, inquiry: { fail?: number; answer?: (n: number) => UplinkReply | null } = {}) {
    let failing = inquiry.fail ?? 0
    const u = {
        lost: 0,
        inquiries: 0,
        async send(eap: Buffer, state: Buffer | null, payment: Parameters<UplinkPort["send"]>[2]): Promise<UplinkReply> {
            const r = await inner.send(eap, state, payment)
            if (!lose(r)) return r
            u.lost++
            throw new UplinkError("answer lost")
        },
        async inquire(transactionId: Buffer): Promise<UplinkReply> {
            u.inquiries++
            if (failing > 0) {
                failing--
                throw new UplinkError("server down")
            }
            const given = inquiry.answer ? inquiry.answer(u.inquiries) : null
            return given ?? (await inner.inquire(transactionId))
        },
    }
    return u
}

/** EAP-Request/AKA-Notification or AKA'-Notification (RFC 4187 9.10): the server's decision, before the card acknowledges it. */
const isNotification = (r: UplinkReply) => r.kind === "challenge" && r.eap !== null && r.eap[0] === 1 && (r.eap[4] === 23 || r.eap[4] === 50) && r.eap[5] === 12

describe("the payment server answers inquiries from its ledger", () => {
    let world: World
    let uplink: RadiusUplink
    let client: RadiusClient
    beforeAll(async () => {
        world = await startWorld(100_000)
        ;({ uplink, client } = await uplinkFor(world, "udp"))
    })
    afterAll(async () => {
        await client?.close()
        await world?.close()
    })

    /** One payment through the real relay (asking once when in doubt). */
    async function payThrough(up: UplinkPort, amount: number) {
        const payment = newPayment(amount)
        const card = newCard(world)
        const relay = new TerminalRelay(card, up, (n) => randomBytes(n))
        const outcome = await relay.pay(payment, world.pin)
        return { payment, outcome, card, relay }
    }
    const record = async (txid: Buffer) => (await world.server.store.ledger()).find((r) => r.txid === txid.toString("hex"))

    test("approved: Access-Accept with the approval number the ledger holds", async () => {
        const { payment, outcome } = await payThrough(uplink, 1000)
        expect(outcome.approved).toBe(true)
        const r = await uplink.inquire(payment.transactionId)
        expect(r).toMatchObject({ kind: "accept", responseCode: "00", approvalNumber: outcome.approvalNumber })
        expect((await record(payment.transactionId))!.state).toBe("final")
    })

    test("declined: Access-Accept with the recorded decline", async () => {
        const { payment, outcome } = await payThrough(uplink, 500_000) // over the balance of 100,000
        expect(outcome.responseCode).toBe("51")
        const r = await uplink.inquire(payment.transactionId)
        expect(r).toMatchObject({ kind: "accept", responseCode: "51", approvalNumber: "", reason: "insufficient funds" })
    })

    test("unknown transaction ID: Access-Reject 25", async () => {
        const r = await uplink.inquire(randomBytes(8))
        expect(r).toMatchObject({ kind: "reject", responseCode: "25", approvalNumber: "" })
    })

    test.skipIf(!loopback2)("another terminal's transaction: answered as unknown, and its exchange in progress is left alone", async () => {
        const other = await provisionTerminal(world.server.store, "127.0.0.2", "TERM0002", "MERCHANT0001", "127.0.0.1", 0)
        const otherClient = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: world.server.udp.port, secret: Buffer.from(other.secret, "utf8"), localAddress: "127.0.0.2", timeoutMs: 1000 })
        try {
            const { payment, outcome } = await payThrough(uplink, 1000)
            expect(outcome.approved).toBe(true)
            const theirs = new RadiusUplink(otherClient, "TERM0002")
            expect(await theirs.inquire(payment.transactionId)).toMatchObject({ kind: "reject", responseCode: "25", approvalNumber: "" })
            // Even claiming the first terminal's ID: the server goes by the address its secret authenticates.
            expect(await new RadiusUplink(otherClient, "TERM0001").inquire(payment.transactionId)).toMatchObject({ kind: "reject", responseCode: "25" })
            // An exchange of TERM0001 in progress: another terminal's inquiry does not end it.
            const open = newPayment(1000)
            const first = await world.server.gateway.handle({ eap: null, state: null, payment: open, terminalId: "TERM0001", client: "127.0.0.1" })
            expect(first.kind).toBe("challenge")
            const sessions = world.server.gateway.activeSessions
            expect(await theirs.inquire(open.transactionId)).toMatchObject({ kind: "reject", responseCode: "25" })
            expect(world.server.gateway.activeSessions).toBe(sessions)
            // Its own terminal's inquiry ends it (nothing was decided: no record).
            expect(await uplink.inquire(open.transactionId)).toMatchObject({ kind: "reject", responseCode: "25" })
            expect(world.server.gateway.activeSessions).toBe(sessions - 1)
        } finally {
            await otherClient.close()
        }
    })

    test("not final yet (a provisional approval another process holds): Access-Reject 09, then the final answer", async () => {
        const payment = newPayment(700)
        const tx = payment.transactionId.toString("hex")
        const result = await world.server.store.decide(tx, "CARD0001", payment, encodePayment(payment), paymentRules)
        expect(result.responseCode).toBe("00")
        expect(await uplink.inquire(payment.transactionId)).toMatchObject({ kind: "reject", responseCode: "09" })
        await world.server.store.finalize(tx, "CARD0001", true, { responseCode: "96", approvalNumber: "", reason: "reversed" })
        expect(await uplink.inquire(payment.transactionId)).toMatchObject({ kind: "accept", responseCode: "00", approvalNumber: result.approvalNumber })
    })

    test("the Access-Accept of an approval is lost: the terminal asks and shows the approval the ledger holds", async () => {
        const up = lossy(uplink, (r) => r.kind === "accept")
        const { payment, outcome, card } = await payThrough(up, 1200)
        expect(up.lost).toBe(1)
        expect(up.inquiries).toBe(1)
        const r = await record(payment.transactionId)
        expect(r!.state).toBe("final")
        expect(outcome).toMatchObject({ approved: true, responseCode: "00", approvalNumber: r!.result.approvalNumber, message: "APPROVED " + r!.result.approvalNumber })
        expect(card.lastResult!.approvalNumber).toBe(outcome.approvalNumber)
    })

    test("the answer is lost before the card acknowledged the approval: the inquiry ends the exchange, the approval is reversed, and the terminal shows that", async () => {
        const before = (await world.server.store.card("CARD0001"))!.balance
        const up = lossy(uplink, isNotification)
        const { payment, outcome } = await payThrough(up, 1300)
        expect(up.lost).toBe(1)
        const r = await record(payment.transactionId)
        expect(r!.state).toBe("reversed")
        expect(outcome.approved).toBe(false)
        expect(outcome.responseCode).toBe(r!.result.responseCode)
        expect(outcome.message).toMatch(/^DECLINED 96 APPROVAL REVERSED/)
        expect((await world.server.store.card("CARD0001"))!.balance).toBe(before)
    })

    test("a refusal without a decision after the server may have decided (a restarted server that lost the exchange): the terminal asks", async () => {
        // The card's acknowledgement reaches the server, which makes the approval final; the terminal
        // gets an Access-Reject without a Response-Code instead, as from a restarted server.
        const up: UplinkPort = {
            send: async (eap, state, payment) => {
                const r = await uplink.send(eap, state, payment)
                return r.kind === "accept" ? { kind: "reject", eap: Buffer.from([4, eap[1], 0, 4]), state: null, responseCode: "", approvalNumber: "", reason: "" } : r
            },
            inquire: (t) => uplink.inquire(t),
        }
        const { payment, outcome } = await payThrough(up, 1400)
        const r = await record(payment.transactionId)
        expect(r!.state).toBe("final")
        expect(outcome).toMatchObject({ approved: true, approvalNumber: r!.result.approvalNumber })
    })

    test("the server is down for a while: inquiries are retried with a doubling delay in named states", async () => {
        const delays: number[] = []
        const states: string[] = []
        const up = lossy(uplink, (r) => r.kind === "accept", { fail: 3, answer: (n) => (n === 4 ? { kind: "reject", eap: null, state: null, responseCode: "09", approvalNumber: "", reason: "" } : null) })
        const payment = newPayment(1500)
        let relay: TerminalRelay
        const seen: string[] = []
        const log: string[] = []
        const policy = inquiryPolicy(async (ms) => {
            delays.push(ms)
            states.push(relay.state)
        })
        relay = new TerminalRelay(newCard(world), { send: up.send, inquire: (t) => (seen.push(relay.state), up.inquire(t)) }, (n) => randomBytes(n), false, policy, (line) => log.push(line))
        const outcome = await relay.pay(payment, world.pin)
        expect(delays).toEqual([500, 1000, 2000, 4000])
        expect(states.every((s) => s === TERMINAL_IN_DOUBT)).toBe(true)
        expect(seen.every((s) => s === TERMINAL_INQUIRY)).toBe(true)
        const inquiring = ["terminal relay: RELAY -> INQUIRY"]
        for (let i = 0; i < 4; i++) inquiring.push("terminal relay: INQUIRY -> IN_DOUBT", "terminal relay: IN_DOUBT -> INQUIRY")
        expect(log).toEqual(["terminal relay: OFFER -> PIN", "terminal relay: PIN -> IDENTITY", "terminal relay: IDENTITY -> RELAY", ...inquiring, "terminal relay: INQUIRY -> DONE"])
        expect(up.inquiries).toBe(5)
        expect(relay.state).toBe(TERMINAL_DONE)
        expect(outcome.approved).toBe(true)
        expect(outcome.approvalNumber).toBe((await record(payment.transactionId))!.result.approvalNumber)
    })

    test("bounded: a server that never answers leaves the outcome shown as unknown, never as a decline", async () => {
        const delays: number[] = []
        const up = lossy(uplink, (r) => r.kind === "accept", { fail: 1000 })
        const relay = new TerminalRelay(newCard(world), up, (n) => randomBytes(n), false, inquiryPolicy(async (ms) => void delays.push(ms)))
        const outcome = await relay.pay(newPayment(1600), world.pin)
        expect(up.inquiries).toBe(8)
        expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000])
        expect(outcome).toMatchObject({ approved: false, responseCode: "91", message: "NO ANSWER - OUTCOME UNKNOWN" })
    })

    test("no inquiry when the request carrying the payment itself went unanswered (nothing can have been decided)", async () => {
        const up = lossy(uplink, () => true)
        const { outcome } = await payThrough(up, 1700)
        expect(up.inquiries).toBe(0)
        expect(outcome.message).toBe("SERVER UNREACHABLE - NOT APPROVED")
    })

    describe("on the wire", () => {
        const secret = () => Buffer.from(world.terminal.secret, "utf8")
        async function ask(bytes: Buffer): Promise<Buffer | null> {
            const peer = await rawUdp(world.server.udp.port)
            try {
                await peer.send(bytes)
                for (let i = 0; i < 100 && peer.received.length === 0; i++) await sleep(10)
                return peer.received[0] ?? null
            } finally {
                await peer.close()
            }
        }

        test("malformed (no Transaction-Id): Access-Reject 30", async () => {
            const reply = await ask(await signedRequest(CODE_ACCESS_REQUEST, 7, [integerAttribute(ATTR_SERVICE_TYPE, SERVICE_TYPE_AUTHORIZE_ONLY), textAttribute(ATTR_NAS_IDENTIFIER, "TERM0001")], secret()))
            expect(reply).not.toBeNull()
            const p = decodePacket(reply!)
            expect(p.code).toBe(CODE_ACCESS_REJECT)
            expect(readPaymentAttributes(p.attributes).responseCode).toBe("30")
        })

        test("a well-formed inquiry from a raw client is answered (Access-Accept for an approval)", async () => {
            const { payment, outcome } = await payThrough(uplink, 1800)
            const reply = await ask(await signedRequest(CODE_ACCESS_REQUEST, 8, inquiryAttributes("TERM0001", payment.transactionId), secret()))
            const p = decodePacket(reply!)
            expect(p.code).toBe(CODE_ACCESS_ACCEPT)
            const v = readPaymentAttributes(p.attributes)
            expect(v.approvalNumber).toBe(outcome.approvalNumber)
            expect(v.transactionId!.equals(payment.transactionId)).toBe(true)
        })

        test("without a Message-Authenticator: discarded, no answer", async () => {
            const stats = world.server.udp.stats
            const noReply = stats.noReply
            const reply = await ask(await signedRequest(CODE_ACCESS_REQUEST, 9, inquiryAttributes("TERM0001", randomBytes(8)), secret(), false))
            expect(reply).toBeNull()
            expect(stats.noReply).toBe(noReply + 1)
        })

        test("a wrong Message-Authenticator (another secret): discarded, no answer", async () => {
            const stats = world.server.udp.stats
            const bad = stats.badMessageAuthenticator
            const reply = await ask(await signedRequest(CODE_ACCESS_REQUEST, 10, inquiryAttributes("TERM0001", randomBytes(8)), Buffer.from("not-the-secret")))
            expect(reply).toBeNull()
            expect(stats.badMessageAuthenticator).toBe(bad + 1)
        })
    })
})

/** A gateway's reply as the terminal's uplink sees it (a server's gateway driven directly, without RADIUS). */
function asUplinkReply(r: GatewayReply): UplinkReply {
    return { kind: r.kind, eap: r.eap, state: r.state, responseCode: r.result?.responseCode ?? "", approvalNumber: r.result?.approvalNumber ?? "", reason: r.result?.reason ?? "" }
}

noteSkipped("status inquiries with sessions in PostgreSQL")

describe.skipIf(PG_URL === undefined)("inquiries when the sessions live in PostgreSQL: the exchange on one server process, the inquiry on another", () => {
    let world: World
    let other: PaymentServer
    let uplinkA: RadiusUplink
    let uplinkB: RadiusUplink
    const clients: RadiusClient[] = []
    beforeAll(async () => {
        const db = await createTestDatabase()
        world = await startWorld(100_000, { db: db.url, dispose: db.drop })
        other = await PaymentServer.start({ dataDir: world.dir, db: db.url, udpPort: 0, tcpPort: 0, log: (l) => world.log.push(l) })
        const a = await uplinkFor(world, "udp")
        uplinkA = a.uplink
        clients.push(a.client)
        const b = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: other.udp.port, secret: Buffer.from(world.terminal.secret, "utf8"), timeoutMs: 1000, retries: 2 })
        uplinkB = new RadiusUplink(b, world.terminal.terminalId)
        clients.push(b)
    })
    afterAll(async () => {
        for (const c of clients) await c.close()
        await other?.stop()
        await world?.close()
    })

    const store = () => world.server.store
    const balance = async () => (await store().card("CARD0001"))!.balance
    const rowsOf = async (txid: Buffer) => await store().sessions!.ofTransaction(txid.toString("hex"))
    const REVERSED_96 = /^DECLINED 96 APPROVAL REVERSED/

    test("the Access-Accept is lost: the other process answers the approval", async () => {
        const up = lossy(uplinkA, (r) => r.kind === "accept")
        const payment = newPayment(1200)
        const outcome = await new TerminalRelay(newCard(world), { send: up.send, inquire: (t) => uplinkB.inquire(t) }, (n) => randomBytes(n)).pay(payment, world.pin)
        expect(up.lost).toBe(1)
        const r = await store().outcome(payment.transactionId.toString("hex"))
        expect(r!.state).toBe("final")
        expect(outcome).toMatchObject({ approved: true, approvalNumber: r!.result.approvalNumber })
    })

    test("the answer is lost before the card acknowledged: the other process ends the exchange's session row and reverses the approval once", async () => {
        const before = await balance()
        const up = lossy(uplinkA, isNotification)
        const payment = newPayment(1300)
        const outcome = await new TerminalRelay(newCard(world), { send: up.send, inquire: (t) => uplinkB.inquire(t) }, (n) => randomBytes(n)).pay(payment, world.pin)
        expect(up.lost).toBe(1)
        expect(await rowsOf(payment.transactionId)).toEqual([])
        expect(await store().outcome(payment.transactionId.toString("hex"))).toMatchObject({ state: "reversed" })
        expect(outcome.approved).toBe(false)
        expect(outcome.message).toMatch(REVERSED_96)
        expect(await balance()).toBe(before)
        // Asked again, on either process: the same answer; the sweep finds nothing more to reverse.
        expect(await uplinkA.inquire(payment.transactionId)).toMatchObject({ kind: "accept", responseCode: "96" })
        await world.server.gateway.sweep(Date.now() + 60_000)
        expect(await balance()).toBe(before)
    })

    test("a process killed after deciding, before storing its step (or before its session row exists): the inquiry reverses the approval at once, never 'in progress'", async () => {
        const before = await balance()
        const reversedOnInquiry = () => world.log.filter((l) => /reversed on a status inquiry/.test(l)).length
        const logged = reversedOnInquiry()
        // The exchange reaches the challenge (its session row stored), then its process decides and dies.
        const up = lossy(uplinkA, (r) => r.kind === "challenge")
        const payment = newPayment(1400)
        const tx = payment.transactionId.toString("hex")
        expect((await new TerminalRelay(newCard(world), { send: up.send, inquire: (t) => uplinkB.inquire(t) }, (n) => randomBytes(n)).pay(payment, world.pin)).message).toBe("SERVER UNREACHABLE - NOT APPROVED")
        expect(up.inquiries).toBe(0)
        expect(await rowsOf(payment.transactionId)).toHaveLength(1)
        expect((await store().decide(tx, "CARD0001", payment, encodePayment(payment), paymentRules)).responseCode).toBe("00")
        expect(await uplinkB.inquire(payment.transactionId)).toMatchObject({ kind: "accept", responseCode: "96", approvalNumber: "", reason: "approval reversed: the exchange was abandoned before the card acknowledged it" })
        expect(await rowsOf(payment.transactionId)).toEqual([])
        expect(await balance()).toBe(before)
        // No session row at all: the same.
        const orphan = newPayment(1500)
        expect((await store().decide(orphan.transactionId.toString("hex"), "CARD0001", orphan, encodePayment(orphan), paymentRules)).responseCode).toBe("00")
        expect(await uplinkA.inquire(orphan.transactionId)).toMatchObject({ kind: "accept", responseCode: "96" })
        expect(await uplinkB.inquire(orphan.transactionId)).toMatchObject({ kind: "accept", responseCode: "96" })
        expect(await balance()).toBe(before)
        expect(reversedOnInquiry() - logged).toBe(2)
    })

    test("an exchange in progress is ended only by its own terminal's inquiry", async () => {
        await provisionTerminal(store(), "127.0.0.2", "TERM0002", "MERCHANT0001", "127.0.0.1", 0)
        await sleep(1500) // the other process reads the new terminal within a second
        const payment = newPayment(1000)
        const first = await world.server.gateway.handle({ eap: null, state: null, payment, terminalId: "TERM0001", client: "127.0.0.1" })
        expect(first.kind).toBe("challenge")
        expect(await other.gateway.inquire(payment.transactionId, "127.0.0.2")).toEqual({ kind: "unknown", result: null })
        expect(await rowsOf(payment.transactionId)).toHaveLength(1)
        expect(await other.gateway.inquire(payment.transactionId, "127.0.0.1")).toEqual({ kind: "unknown", result: null })
        expect(await rowsOf(payment.transactionId)).toEqual([])
        // The terminal's next request finds no session.
        const next = await world.server.gateway.handle({ eap: Buffer.from([2, first.eap[1], 0, 5, 1]), state: first.state, payment: null, terminalId: "TERM0001", client: "127.0.0.1" })
        expect(next).toMatchObject({ kind: "reject", reason: "unknown or expired session" })
    })

    test.each(["the inquiry first", "the acknowledgement first"] as const)("the card's acknowledgement on one process and the inquiry on the other at once, %s: one outcome, and the step that lost its session answers nothing", async (order) => {
        const a = world.server
        const before = await balance()
        const payment = newPayment(1100)
        // Process A's step holds at its ledger write (before or after it) while process B answers the inquiry.
        const finalize = a.ports.finalize.bind(a.ports)
        let entered = () => {}
        const reached = new Promise<void>((r) => (entered = r))
        let release = () => {}
        const gate = new Promise<void>((r) => (release = r))
        a.ports.finalize = async (cardId, p, acknowledged) => {
            if (order === "the acknowledgement first") await finalize(cardId, p, acknowledged)
            entered()
            await gate
            if (order === "the inquiry first") await finalize(cardId, p, acknowledged)
        }
        let inquiry: UplinkReply | null = null
        let lastStep: unknown = null
        let notified = false
        const up: UplinkPort = {
            send: async (eap, state, p) => {
                const req = { eap, state, payment: p, terminalId: "TERM0001", client: "127.0.0.1" }
                if (!notified) {
                    const r = asUplinkReply(await a.gateway.handle(req))
                    notified = isNotification(r)
                    return r
                }
                const step = a.gateway.handle(req).then(
                    () => "answered",
                    (e: unknown) => e,
                )
                await reached
                inquiry = await uplinkB.inquire(payment.transactionId)
                release()
                lastStep = await step
                throw new UplinkError("answer lost")
            },
            inquire: (t) => uplinkB.inquire(t),
        }
        let outcome
        try {
            outcome = await new TerminalRelay(newCard(world), up, (n) => randomBytes(n)).pay(payment, world.pin)
        } finally {
            a.ports.finalize = finalize
        }
        expect(lastStep).toBeInstanceOf(SessionSuperseded)
        expect(await rowsOf(payment.transactionId)).toEqual([])
        const r = (await store().outcome(payment.transactionId.toString("hex")))!
        if (order === "the inquiry first") {
            expect(r.state).toBe("reversed")
            expect(inquiry).toMatchObject({ kind: "accept", responseCode: "96" })
            expect(outcome.message).toMatch(REVERSED_96)
            expect(await balance()).toBe(before)
        } else {
            expect(r.state).toBe("final")
            expect(inquiry).toMatchObject({ kind: "accept", responseCode: "00", approvalNumber: r.result.approvalNumber })
            expect(outcome).toMatchObject({ approved: true, approvalNumber: r.result.approvalNumber })
            expect(await balance()).toBe(before - 1100)
        }
    })
})
