// The RADIUS server and client over UDP on 127.0.0.1 (ephemeral ports): authentication and
// silent discards by reason, RFC 5080 duplicate detection, client retransmission, response
// checks, identifier allocation, and a server that survives thousands of mutated datagrams.

import { afterEach, describe, expect, test } from "vitest"
import { createSocket } from "node:dgram"
import { RadiusUdpServer } from "../../sim/radius/udp-server"
import { RadiusTcpServer } from "../../sim/radius/tcp-server"
import { RadiusClient, RadiusTimeoutError } from "../../sim/radius/client"
import { RadiusHandler, RadiusReply } from "../../sim/radius/process"
import {
    CODE_ACCESS_ACCEPT,
    CODE_ACCESS_CHALLENGE,
    CODE_ACCESS_REJECT,
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_ACCOUNTING_RESPONSE,
    CODE_STATUS_SERVER,
    decodePacket,
    encodePacket,
    RadiusPacket,
} from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_PROXY_STATE, ATTR_REPLY_MESSAGE, ATTR_STATE, ATTR_USER_NAME, getAttribute, getAttributes, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { radiusSecret, signResponse, verifyResponse, withMessageAuthenticator } from "../../src/radius/authenticator"
import { paymentAttributes, readPaymentAttributes } from "../../src/radius/vendor"
import { corpus, FUZZ_SECRET, mutate, xorshift } from "../support/radius-fuzz"
import { rawUdp, RawUdp, signedRequest, sleep, until } from "../support/radius-net"

const SECRET = Buffer.from("udp-test-secret")
const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const EAP_IDENTITY = Buffer.from("0201000e01636172642d30303031", "hex") // EAP-Response/Identity "card-0001"

/** Whether this host can send from 127.0.0.2 (Linux routes all of 127/8 to loopback; macOS does not by default). */
const loopback2 = await new Promise<boolean>((resolve) => {
    const probe = createSocket("udp4")
    probe.once("error", () => resolve(false))
    probe.bind(0, "127.0.0.2", () => probe.close(() => resolve(true)))
})

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
    while (closers.length) await closers.pop()!()
})

interface Recorder {
    calls: RadiusPacket[]
    handler: RadiusHandler
}

/** Answers an EAP request with an Access-Challenge echoing the EAP packet, anything else with Access-Accept. */
function recorder(delayMs = 0, override?: (req: RadiusPacket) => Promise<RadiusReply | null>): Recorder {
    const calls: RadiusPacket[] = []
    return {
        calls,
        handler: async (req) => {
            calls.push(req)
            if (delayMs) await sleep(delayMs)
            if (override) return override(req)
            if (req.code === CODE_ACCOUNTING_REQUEST) return { code: CODE_ACCOUNTING_RESPONSE, attributes: [] }
            const eap = joinEapMessage(req.attributes)
            if (eap) return { code: CODE_ACCESS_CHALLENGE, attributes: eapMessageAttributes(eap).concat([{ type: ATTR_STATE, value: Buffer.from("state-1") }]) }
            return { code: CODE_ACCESS_ACCEPT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, "ok " + calls.length)] }
        },
    }
}

async function server(rec: Recorder, options: { secretFor?: (a: string) => Buffer | null; now?: () => number; requireMessageAuthenticator?: boolean } = {}) {
    const s = await RadiusUdpServer.start({
        secretFor: options.secretFor ?? ((a) => (a === "127.0.0.1" ? SECRET : null)),
        handler: rec.handler,
        now: options.now,
        requireMessageAuthenticator: options.requireMessageAuthenticator,
    })
    closers.push(() => s.close())
    return s
}

async function client(port: number, secret = SECRET, extra: { timeoutMs?: number; retries?: number } = {}) {
    const c = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port, secret, timeoutMs: extra.timeoutMs ?? 500, retries: extra.retries ?? 2 })
    closers.push(() => c.close())
    return c
}

async function raw(port: number): Promise<RawUdp> {
    const r = await rawUdp(port)
    closers.push(() => r.close())
    return r
}

describe("RADIUS over UDP: server and client", () => {
    test("an EAP exchange: the handler gets the request, the client a verified Access-Challenge with Proxy-State echoed in order", async () => {
        const rec = recorder()
        const s = await server(rec)
        const c = await client(s.port)
        const pay = paymentAttributes({ amount: 50000, currency: 410, merchantId: "M0001", terminalId: "T0001" })
        const resp = await c.request(
            CODE_ACCESS_REQUEST,
            [textAttribute(ATTR_USER_NAME, "card-0001")].concat(eapMessageAttributes(EAP_IDENTITY), pay, [
                { type: ATTR_PROXY_STATE, value: Buffer.from("p1") },
                { type: ATTR_PROXY_STATE, value: Buffer.from("p2") },
            ]),
        )
        expect(resp.code).toBe(CODE_ACCESS_CHALLENGE)
        expect(joinEapMessage(resp.attributes)?.equals(EAP_IDENTITY)).toBe(true)
        expect(getAttribute(resp.attributes, ATTR_STATE)?.toString()).toBe("state-1")
        expect(getAttributes(resp.attributes, ATTR_PROXY_STATE).map((b) => b.toString())).toEqual(["p1", "p2"])
        expect(resp.attributes[0].type).toBe(80) // Message-Authenticator first
        expect(rec.calls).toHaveLength(1)
        expect(readPaymentAttributes(rec.calls[0].attributes).amount).toBe(50000)
        expect(s.stats).toMatchObject({ received: 1, handled: 1, responses: 1, malformed: 0 })
        expect(c.stats).toMatchObject({ requests: 1, sent: 1, responses: 1, badAuthenticator: 0 })
    })

    test("Accounting-Request and Status-Server get their responses", async () => {
        const s = await server(recorder())
        const c = await client(s.port)
        expect((await c.request(CODE_ACCOUNTING_REQUEST, [textAttribute(44, "session-1")])).code).toBe(CODE_ACCOUNTING_RESPONSE)
        expect((await c.request(CODE_STATUS_SERVER, [])).code).toBe(CODE_ACCESS_ACCEPT)
        expect(s.stats.handled).toBe(2)
    })

    test("a client with the wrong secret is dropped and counted; it times out after its retransmissions", async () => {
        const rec = recorder()
        const s = await server(rec)
        const c = await client(s.port, Buffer.from("not-the-secret"), { timeoutMs: 60, retries: 2 })
        await expect(c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))).rejects.toBeInstanceOf(RadiusTimeoutError)
        expect(c.stats).toMatchObject({ sent: 3, retransmissions: 2, timeouts: 1 })
        expect(await until(() => s.stats.badMessageAuthenticator === 3)).toBe(true)
        expect(rec.calls).toHaveLength(0)
        // An Accounting-Request under the wrong secret fails its Request Authenticator.
        await expect(c.request(CODE_ACCOUNTING_REQUEST, [textAttribute(44, "x")], { retries: 0 })).rejects.toBeInstanceOf(RadiusTimeoutError)
        expect(await until(() => s.stats.badAuthenticator === 1)).toBe(true)
    })

    test("tampered, unsigned, malformed, unknown-code and unknown-client datagrams are silently dropped, each counted", async () => {
        const rec = recorder()
        const s = await server(rec)
        const r = await raw(s.port)
        const good = await signedRequest(CODE_ACCESS_REQUEST, 1, [textAttribute(ATTR_USER_NAME, "card-0001")].concat(eapMessageAttributes(EAP_IDENTITY)), SECRET)
        const tampered = Buffer.from(good)
        tampered[good.length - 3] ^= 0x20 // inside the EAP-Message
        await r.send(tampered)
        await r.send(await signedRequest(CODE_ACCESS_REQUEST, 2, eapMessageAttributes(EAP_IDENTITY), SECRET, false)) // EAP without Message-Authenticator
        await r.send(good.subarray(0, good.length - 1)) // Length mismatch
        await r.send(Buffer.from("hello, radius"))
        const disconnect = encodePacket({ code: 40, identifier: 3, authenticator: Buffer.alloc(16), attributes: [] })
        await r.send(disconnect)
        expect(await until(() => s.stats.received === 5)).toBe(true)
        await sleep(50)
        expect(s.stats).toMatchObject({ badMessageAuthenticator: 1, missingMessageAuthenticator: 1, malformed: 2, unknownCode: 1, handled: 0, responses: 0 })
        expect(r.received).toHaveLength(0)
        // The intact request is answered.
        await r.send(good)
        expect(await until(() => r.received.length === 1)).toBe(true)
        expect(verifyResponse(r.received[0], good.subarray(4, 20), radiusSecret(SECRET), true)).toBe(true)

        const rec2 = recorder()
        const stranger = await server(rec2, { secretFor: () => null })
        const r2 = await raw(stranger.port)
        await r2.send(good)
        expect(await until(() => stranger.stats.unknownClient === 1)).toBe(true)
        expect(rec2.calls).toHaveLength(0)
    })

    test("requireMessageAuthenticator drops a PAP-style request that has none", async () => {
        const s = await server(recorder(), { requireMessageAuthenticator: true })
        const c = await client(s.port, SECRET, { timeoutMs: 60, retries: 0 })
        await expect(c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "x")], { messageAuthenticator: false })).rejects.toBeInstanceOf(RadiusTimeoutError)
        expect(await until(() => s.stats.missingMessageAuthenticator === 1)).toBe(true)
        expect((await c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "x")])).code).toBe(CODE_ACCESS_ACCEPT)
    })

    test("duplicate detection (RFC 5080 2.2.2): a retransmitted request gets the cached response, the handler runs once", async () => {
        const rec = recorder()
        const s = await server(rec)
        const r = await raw(s.port)
        const req = await signedRequest(CODE_ACCESS_REQUEST, 9, [textAttribute(ATTR_USER_NAME, "dup")], SECRET)
        await r.send(req)
        expect(await until(() => r.received.length === 1)).toBe(true)
        await r.send(req)
        await r.send(req)
        expect(await until(() => r.received.length === 3)).toBe(true)
        expect(r.received[1].equals(r.received[0]) && r.received[2].equals(r.received[0])).toBe(true)
        expect(rec.calls).toHaveLength(1)
        expect(s.stats).toMatchObject({ handled: 1, duplicatesResent: 2, responses: 3 })
        // Same Identifier, new Request Authenticator: a new request.
        const other = await signedRequest(CODE_ACCESS_REQUEST, 9, [textAttribute(ATTR_USER_NAME, "dup")], SECRET, true, Buffer.alloc(16, 0xee))
        await r.send(other)
        expect(await until(() => r.received.length === 4)).toBe(true)
        expect(rec.calls).toHaveLength(2)
        expect(decodePacket(r.received[3]).attributes.find((a) => a.type === ATTR_REPLY_MESSAGE)?.value.toString()).toBe("ok 2")
    })

    test("answer() (the benchmark's way in without a socket) is the datagram path: same checks, same duplicate cache, unknown clients dropped", async () => {
        const rec = recorder()
        const s = await server(rec)
        const req = await signedRequest(CODE_ACCESS_REQUEST, 11, [textAttribute(ATTR_USER_NAME, "direct")], SECRET)
        const first = await s.answer(req, "127.0.0.1", 40001)
        expect(first.reply).not.toBeNull()
        expect(verifyResponse(first.reply!, req.subarray(4, 20), radiusSecret(SECRET), true)).toBe(true)
        // Again from the same address and port: a duplicate, answered from the cache.
        expect((await s.answer(req, "127.0.0.1", 40001)).reply!.equals(first.reply!)).toBe(true)
        expect(rec.calls).toHaveLength(1)
        // The same bytes as a datagram come from another port: a request of their own, answered over the socket.
        const r = await raw(s.port)
        await r.send(req)
        expect(await until(() => r.received.length === 1)).toBe(true)
        expect(verifyResponse(r.received[0], req.subarray(4, 20), radiusSecret(SECRET), true)).toBe(true)
        expect(rec.calls).toHaveLength(2)
        expect(s.stats).toMatchObject({ received: 3, handled: 2, duplicatesResent: 1, responses: 1 })
        // A tampered copy and an unknown client: nothing, each counted.
        const tampered = Buffer.from(req)
        tampered[tampered.length - 1] ^= 1
        expect((await s.answer(tampered, "127.0.0.1", 40002)).reply).toBeNull()
        expect((await s.answer(req, "127.0.0.9", 40001)).reply).toBeNull()
        expect(s.stats).toMatchObject({ received: 5, badMessageAuthenticator: 1, unknownClient: 1 })
        expect(rec.calls).toHaveLength(2)
    })

    test("duplicate detection: a copy of a request still in progress is dropped; after the window the request is handled again", async () => {
        let now = 1_000_000
        const rec = recorder(150)
        const s = await server(rec, { now: () => now })
        const r = await raw(s.port)
        const req = await signedRequest(CODE_ACCESS_REQUEST, 5, [textAttribute(ATTR_USER_NAME, "slow")], SECRET)
        await r.send(req)
        expect(await until(() => rec.calls.length === 1)).toBe(true)
        await r.send(req)
        expect(await until(() => s.stats.duplicatesInProgress === 1)).toBe(true)
        expect(await until(() => r.received.length === 1)).toBe(true)
        await sleep(30)
        expect(r.received).toHaveLength(1)
        now += 29_000
        await r.send(req)
        expect(await until(() => r.received.length === 2)).toBe(true)
        expect(rec.calls).toHaveLength(1)
        now += 2_000 // 31 s after the first copy: outside the window
        await r.send(req)
        expect(await until(() => rec.calls.length === 2)).toBe(true)
    })

    test("client retransmission keeps the ID and authenticator: the slow handler runs once and the client gets its answer", async () => {
        const rec = recorder(260)
        const s = await server(rec)
        const c = await client(s.port, SECRET, { timeoutMs: 100, retries: 3 })
        const resp = await c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))
        expect(resp.code).toBe(CODE_ACCESS_CHALLENGE)
        expect(c.stats.retransmissions).toBeGreaterThanOrEqual(2)
        // Each retransmission met the request in progress (dropped) or, if it crossed the
        // response on the wire, its cached response; never the handler.
        expect(await until(() => s.stats.received === 1 + c.stats.retransmissions)).toBe(true)
        expect(s.stats.duplicatesInProgress + s.stats.duplicatesResent).toBe(c.stats.retransmissions)
        expect(s.stats.duplicatesInProgress).toBeGreaterThanOrEqual(1)
        expect(rec.calls).toHaveLength(1)
    })

    test("handler errors are counted and answer nothing; a retransmission is handled afresh. A null answer is cached as no answer", async () => {
        let fail = true
        const rec = recorder(0, async () => {
            if (fail) throw new Error("database down")
            return null
        })
        const s = await server(rec)
        const r = await raw(s.port)
        const req = await signedRequest(CODE_ACCESS_REQUEST, 1, [textAttribute(ATTR_USER_NAME, "x")], SECRET)
        await r.send(req)
        expect(await until(() => s.stats.handlerErrors === 1)).toBe(true)
        fail = false
        await r.send(req)
        expect(await until(() => s.stats.noReply === 1)).toBe(true)
        await r.send(req)
        expect(await until(() => s.stats.duplicatesResent === 1)).toBe(true)
        expect(rec.calls).toHaveLength(2)
        expect(r.received).toHaveLength(0)
        // A handler answering a code that does not answer the request is an error too.
        const bad = recorder(0, async () => ({ code: CODE_ACCOUNTING_RESPONSE, attributes: [] }))
        const s2 = await server(bad)
        const r2 = await raw(s2.port)
        await r2.send(req)
        expect(await until(() => s2.stats.handlerErrors === 1)).toBe(true)
    })

    test("the client ignores and counts forged, unexpected and malformed responses, and takes the genuine one", async () => {
        // A fake server: answers each request with garbage, a wrong-ID answer, a forged answer, then the right one.
        const fake = createSocket("udp4")
        closers.push(() => new Promise((r) => fake.close(() => r())))
        await new Promise<void>((r) => fake.bind(0, "127.0.0.1", () => r()))
        const s = radiusSecret(SECRET)
        fake.on("message", (m, rinfo) => {
            const req = decodePacket(m)
            const reply = (id: number, key = s) =>
                signResponse(encodePacket({ code: CODE_ACCESS_ACCEPT, identifier: id, authenticator: Buffer.alloc(16), attributes: withMessageAuthenticator([]) }), req.authenticator, key)
            const out = [Buffer.from("garbage!"), reply((req.identifier + 1) & 0xff), reply(req.identifier, radiusSecret(Buffer.from("forger"))), reply(req.identifier)]
            out.forEach((b) => fake.send(b, rinfo.port, rinfo.address))
        })
        const c = await client(fake.address().port)
        const resp = await c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))
        expect(resp.code).toBe(CODE_ACCESS_ACCEPT)
        expect(c.stats).toMatchObject({ malformed: 1, unexpected: 1, badAuthenticator: 1, responses: 1 })
    })

    test("a response to an EAP request without Message-Authenticator is refused by the client (RFC 3579 3.2)", async () => {
        const fake = createSocket("udp4")
        closers.push(() => new Promise((r) => fake.close(() => r())))
        await new Promise<void>((r) => fake.bind(0, "127.0.0.1", () => r()))
        fake.on("message", (m, rinfo) => {
            const req = decodePacket(m)
            fake.send(signResponse(encodePacket({ code: CODE_ACCESS_REJECT, identifier: req.identifier, authenticator: Buffer.alloc(16), attributes: [] }), req.authenticator, radiusSecret(SECRET)), rinfo.port, rinfo.address)
        })
        const c = await client(fake.address().port, SECRET, { timeoutMs: 80, retries: 0 })
        await expect(c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))).rejects.toBeInstanceOf(RadiusTimeoutError)
        expect(c.stats.badAuthenticator).toBe(1)
        // Without EAP the same bare response is acceptable.
        expect((await c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "x")])).code).toBe(CODE_ACCESS_REJECT)
    })

    test("identifiers: 600 concurrent requests share the 256 IDs of one socket and all complete", async () => {
        const rec = recorder(5)
        const s = await server(rec)
        const c = await client(s.port, SECRET, { timeoutMs: 3000, retries: 1 })
        const all = await Promise.all(Array.from({ length: 600 }, (_, i) => c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "u" + i)])))
        expect(all.every((p) => p.code === CODE_ACCESS_ACCEPT)).toBe(true)
        expect(rec.calls).toHaveLength(600)
        const names = new Set(rec.calls.map((p) => p.attributes.find((a) => a.type === ATTR_USER_NAME)!.value.toString()))
        expect(names.size).toBe(600)
        expect(c.stats.responses).toBe(600)
    })

    test.skipIf(!loopback2)("localAddress: a client sending from 127.0.0.2 is known by that address (its own secret), over UDP and TCP", async () => {
        const other = Buffer.from("secret-of-127.0.0.2")
        const secretFor = (a: string) => (a === "127.0.0.2" ? other : a === "127.0.0.1" ? SECRET : null)
        const seen: string[] = []
        const handler = async (_req: RadiusPacket, peer: { address: string }) => {
            seen.push(peer.address)
            return { code: CODE_ACCESS_ACCEPT, attributes: [] }
        }
        const u = await RadiusUdpServer.start({ secretFor, handler })
        closers.push(() => u.close())
        const t = await RadiusTcpServer.start({ secretFor, handler })
        closers.push(() => t.close())
        for (const [transport, port] of [["udp", u.port], ["tcp", t.port]] as const) {
            const c = await RadiusClient.connect({ transport, host: "127.0.0.1", port, secret: other, localAddress: "127.0.0.2", timeoutMs: 500 })
            closers.push(() => c.close())
            expect((await c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))).code).toBe(CODE_ACCESS_ACCEPT)
        }
        expect(seen).toEqual(["127.0.0.2", "127.0.0.2"])
    })

    test(`the server survives 3,000 mutated and random datagrams (seed ${seed}), accounts for every one, and still answers`, async () => {
        const rnd = xorshift(seed)
        const valid = await corpus()
        const s = await RadiusUdpServer.start({
            secretFor: () => FUZZ_SECRET,
            handler: async (req) => (req.code === CODE_ACCOUNTING_REQUEST ? { code: CODE_ACCOUNTING_RESPONSE, attributes: [] } : { code: CODE_ACCESS_REJECT, attributes: [] }),
        })
        closers.push(() => s.close())
        const r = await raw(s.port)
        let sent = 0
        for (let batch = 0; batch < 60; batch++) {
            for (let i = 0; i < 50; i++) {
                const d = i % 10 === 9 ? rnd.bytes(rnd.int(5000)) : mutate(rnd, rnd.pick(valid))
                if (d.length === 0 || d.length > 9000) continue
                await r.send(d)
                sent++
            }
            // Pace the batches so that the loopback socket buffer never overflows.
            await until(() => s.stats.received === sent, 2000)
        }
        // Loopback UDP may still drop a datagram under load: every one received is accounted for.
        await until(() => s.stats.received === sent, 3000)
        expect(s.stats.received).toBeGreaterThan(sent * 0.9)
        await sleep(50)
        const st = s.stats
        const accounted = st.unknownClient + st.malformed + st.unknownCode + st.missingMessageAuthenticator + st.badMessageAuthenticator + st.badAuthenticator + st.duplicatesResent + st.duplicatesInProgress + st.handled
        expect(accounted).toBe(st.received)
        expect(st.malformed).toBeGreaterThan(500)
        // Still serving: a valid request from a real client.
        const c = await client(s.port, FUZZ_SECRET)
        expect((await c.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))).code).toBe(CODE_ACCESS_REJECT)
    })
})
