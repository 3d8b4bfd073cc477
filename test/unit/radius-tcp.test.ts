// The RADIUS server and client over TCP (RFC 6613) on 127.0.0.1 (ephemeral ports): framing
// across and within chunks, connections closed on malformed or unauthenticated packets (section
// 2.6.4), per-connection duplicate detection, the client's checks, and a server that survives
// thousands of mutated frames.

import { afterEach, describe, expect, test } from "vitest"
import { createServer, Socket } from "node:net"
import { RadiusTcpServer } from "../../sim/radius/tcp-server"
import { RadiusClient, RadiusTimeoutError } from "../../sim/radius/client"
import { RadiusReply } from "../../sim/radius/process"
import {
    CODE_ACCESS_ACCEPT,
    CODE_ACCESS_REJECT,
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_ACCOUNTING_RESPONSE,
    decodePacket,
    encodePacket,
    RadiusPacket,
} from "../../src/radius/packet"
import { ATTR_REPLY_MESSAGE, ATTR_USER_NAME, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes } from "../../src/radius/eap-message"
import { radiusSecret, signResponse, verifyResponse, withMessageAuthenticator } from "../../src/radius/authenticator"
import { FrameReader } from "../../sim/radius/framing"
import { corpus, FUZZ_SECRET, mutate, xorshift } from "../support/radius-fuzz"
import { rawTcp, RawTcp, signedRequest, sleep, until } from "../support/radius-net"

const SECRET = Buffer.from("tcp-test-secret")
const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const EAP_IDENTITY = Buffer.from("0201000e01636172642d30303031", "hex")

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
    while (closers.length) await closers.pop()!()
})

async function server(options: { secret?: Buffer; known?: boolean; delayMs?: number; reply?: (req: RadiusPacket) => RadiusReply | null; idleTimeoutMs?: number; frameTimeoutMs?: number } = {}) {
    const calls: RadiusPacket[] = []
    const s = await RadiusTcpServer.start({
        idleTimeoutMs: options.idleTimeoutMs,
        frameTimeoutMs: options.frameTimeoutMs,
        secretFor: (a) => (options.known === false ? null : a === "127.0.0.1" ? (options.secret ?? SECRET) : null),
        handler: async (req) => {
            calls.push(req)
            if (options.delayMs) await sleep(options.delayMs)
            if (options.reply) return options.reply(req)
            if (req.code === CODE_ACCOUNTING_REQUEST) return { code: CODE_ACCOUNTING_RESPONSE, attributes: [] }
            return { code: CODE_ACCESS_ACCEPT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, "ok " + calls.length)] }
        },
    })
    closers.push(() => s.close())
    return { s, calls }
}

async function conn(port: number): Promise<RawTcp> {
    const c = await rawTcp(port)
    closers.push(() => c.close())
    return c
}

function reply(frame: Buffer): string {
    return decodePacket(frame).attributes.find((a) => a.type === ATTR_REPLY_MESSAGE)?.value.toString() ?? ""
}

describe("RADIUS over TCP (RFC 6613): server and client", () => {
    test("the TCP client: Access-Request with EAP and Accounting-Request over one connection", async () => {
        const { s, calls } = await server()
        const c = await RadiusClient.connect({ transport: "tcp", host: "127.0.0.1", port: s.port, secret: SECRET, timeoutMs: 1000 })
        closers.push(() => c.close())
        const r = await c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "card-0001")].concat(eapMessageAttributes(EAP_IDENTITY)))
        expect(r.code).toBe(CODE_ACCESS_ACCEPT)
        expect((await c.request(CODE_ACCOUNTING_REQUEST, [textAttribute(44, "s1")])).code).toBe(CODE_ACCOUNTING_RESPONSE)
        expect(calls).toHaveLength(2)
        expect(s.stats).toMatchObject({ connectionsAccepted: 1, received: 2, handled: 2, responses: 2, connectionsClosed: 0 })
        expect(c.stats).toMatchObject({ sent: 2, responses: 2, retransmissions: 0 })
    })

    test("two packets in one chunk are two requests; both are answered", async () => {
        const { s, calls } = await server()
        const c = await conn(s.port)
        const a = await signedRequest(CODE_ACCESS_REQUEST, 1, [textAttribute(ATTR_USER_NAME, "a")], SECRET)
        const b = await signedRequest(CODE_ACCESS_REQUEST, 2, [textAttribute(ATTR_USER_NAME, "b")], SECRET)
        await c.write(Buffer.concat([a, b]))
        expect(await until(() => c.frames.length === 2)).toBe(true)
        expect(calls.map((p) => p.identifier).sort()).toEqual([1, 2])
        const byId = new Map(c.frames.map((f) => [f[1], f]))
        expect(verifyResponse(byId.get(1)!, a.subarray(4, 20), radiusSecret(SECRET), true)).toBe(true)
        expect(verifyResponse(byId.get(2)!, b.subarray(4, 20), radiusSecret(SECRET), true)).toBe(true)
    })

    test("one packet split across many chunks (even inside the Length field) is reassembled", async () => {
        const { s, calls } = await server()
        const c = await conn(s.port)
        const a = await signedRequest(CODE_ACCESS_REQUEST, 7, [textAttribute(ATTR_USER_NAME, "split")].concat(eapMessageAttributes(EAP_IDENTITY)), SECRET)
        const cuts = [0, 1, 3, 5, 20, 30, a.length]
        for (let k = 1; k < cuts.length; k++) {
            await c.write(a.subarray(cuts[k - 1], cuts[k]))
            await sleep(15)
        }
        expect(await until(() => c.frames.length === 1)).toBe(true)
        expect(calls).toHaveLength(1)
        // Then the next packet, straddling two writes with the tail of a third.
        const b = await signedRequest(CODE_ACCESS_REQUEST, 8, [textAttribute(ATTR_USER_NAME, "next")], SECRET)
        const d = await signedRequest(CODE_ACCESS_REQUEST, 9, [textAttribute(ATTR_USER_NAME, "last")], SECRET)
        await c.write(b.subarray(0, 10))
        await sleep(10)
        await c.write(Buffer.concat([b.subarray(10), d.subarray(0, 2)]))
        await sleep(10)
        await c.write(d.subarray(2))
        expect(await until(() => c.frames.length === 3)).toBe(true)
        expect(s.stats.connectionsClosed).toBe(0)
    })

    test("a garbage frame (Length 3) closes the connection, counted; the server keeps serving new connections", async () => {
        const { s, calls } = await server()
        const bad = await conn(s.port)
        await bad.write(Buffer.from("000000030000", "hex"))
        expect(await until(() => bad.closed)).toBe(true)
        expect(s.stats).toMatchObject({ malformed: 1, connectionsClosed: 1 })
        const good = await conn(s.port)
        await good.write(await signedRequest(CODE_ACCESS_REQUEST, 1, [textAttribute(ATTR_USER_NAME, "a")], SECRET))
        expect(await until(() => good.frames.length === 1)).toBe(true)
        expect(calls).toHaveLength(1)
        expect(await until(() => s.connectionCount === 1)).toBe(true)
    })

    test("RFC 6613 2.6.4: bad attribute layout, a bad or a missing Message-Authenticator close the connection; an unknown code does not", async () => {
        const { s, calls } = await server()
        const good = await signedRequest(CODE_ACCESS_REQUEST, 1, [textAttribute(ATTR_USER_NAME, "abc")], SECRET)
        const layout = Buffer.from(good)
        layout[good.length - 4] = 1 // User-Name length 1
        const forged = Buffer.from(good)
        forged[good.length - 1] ^= 1
        const unsigned = await signedRequest(CODE_ACCESS_REQUEST, 2, eapMessageAttributes(EAP_IDENTITY), SECRET, false)
        for (const frame of [layout, forged, unsigned]) {
            const c = await conn(s.port)
            await c.write(Buffer.concat([frame, good]))
            expect(await until(() => c.closed)).toBe(true)
        }
        expect(s.stats).toMatchObject({ malformed: 1, badMessageAuthenticator: 1, missingMessageAuthenticator: 1, connectionsClosed: 3 })
        // The good requests written behind the bad ones may or may not have been answered before
        // the close; the bad ones never reach the handler.
        expect(calls.every((p) => p.identifier === 1)).toBe(true)
        const c = await conn(s.port)
        await c.write(encodePacket({ code: 40, identifier: 1, authenticator: Buffer.alloc(16), attributes: [] }))
        await c.write(good)
        expect(await until(() => c.frames.length === 1)).toBe(true)
        expect(c.closed).toBe(false)
        expect(s.stats.unknownCode).toBe(1)
    })

    test("RFC 6613 2.6 timeouts: an idle connection is closed; one byte at a time does not keep a frame open; a pending answer is not cut off", async () => {
        const { s } = await server({ idleTimeoutMs: 400, frameTimeoutMs: 300, delayMs: 700 })
        const idle = await conn(s.port)
        const slow = await conn(s.port)
        const busy = await conn(s.port)
        const req = await signedRequest(CODE_ACCESS_REQUEST, 9, [textAttribute(ATTR_USER_NAME, "slow")], SECRET)
        await busy.write(req) // answered after 700 ms: longer than the idle timeout
        const t0 = Date.now()
        for (let i = 0; i < 8 && !slow.closed; i++) {
            await slow.write(req.subarray(i, i + 1))
            await sleep(100)
        }
        expect(slow.closed).toBe(true) // within the frame timeout, although a byte came every 100 ms
        expect(Date.now() - t0).toBeLessThan(700)
        expect(s.stats.frameTimeouts).toBe(1)
        expect(await until(() => idle.closed, 2000)).toBe(true)
        expect(s.stats.idleTimeouts).toBeGreaterThanOrEqual(1)
        expect(await until(() => busy.frames.length === 1, 2000)).toBe(true)
        expect(reply(busy.frames[0])).toBe("ok 1")
        expect(busy.closed).toBe(false)
        // After the answer, the busy connection is idle in turn.
        expect(await until(() => busy.closed, 2000)).toBe(true)
        expect(s.stats.idleTimeouts).toBe(2)
        expect(s.connectionCount).toBe(0)
    })

    test("an unknown client's connection is closed at once", async () => {
        const { s } = await server({ known: false })
        const c = await conn(s.port)
        expect(await until(() => c.closed)).toBe(true)
        expect(s.stats).toMatchObject({ unknownClient: 1, connectionsClosed: 1 })
    })

    test("duplicate detection per connection: a repeated request gets the cached response; a new connection is a new client", async () => {
        const { s, calls } = await server()
        const c = await conn(s.port)
        const a = await signedRequest(CODE_ACCESS_REQUEST, 3, [textAttribute(ATTR_USER_NAME, "dup")], SECRET)
        await c.write(a)
        expect(await until(() => c.frames.length === 1)).toBe(true)
        await c.write(a)
        expect(await until(() => c.frames.length === 2)).toBe(true)
        expect(c.frames[1].equals(c.frames[0])).toBe(true)
        expect(calls).toHaveLength(1)
        expect(s.stats.duplicatesResent).toBe(1)
        const c2 = await conn(s.port)
        await c2.write(a)
        expect(await until(() => c2.frames.length === 1)).toBe(true)
        expect(calls).toHaveLength(2)
        expect(reply(c2.frames[0])).toBe("ok 2")
    })

    test("a copy of a request still in progress on the connection is dropped; requests are handled concurrently", async () => {
        const { s, calls } = await server({ delayMs: 100 })
        const c = await conn(s.port)
        const a = await signedRequest(CODE_ACCESS_REQUEST, 4, [textAttribute(ATTR_USER_NAME, "a")], SECRET)
        const b = await signedRequest(CODE_ACCESS_REQUEST, 5, [textAttribute(ATTR_USER_NAME, "b")], SECRET)
        await c.write(Buffer.concat([a, a, b]))
        expect(await until(() => c.frames.length === 2)).toBe(true)
        await sleep(50)
        expect(c.frames).toHaveLength(2)
        expect(calls).toHaveLength(2)
        expect(s.stats.duplicatesInProgress).toBe(1)
    })

    test("the TCP client does not retransmit (RFC 6613 2.6.1): a silent server gives a timeout after one send", async () => {
        const { s, calls } = await server({ reply: () => null })
        const c = await RadiusClient.connect({ transport: "tcp", host: "127.0.0.1", port: s.port, secret: SECRET, timeoutMs: 150, retries: 5 })
        closers.push(() => c.close())
        await expect(c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "x")])).rejects.toBeInstanceOf(RadiusTimeoutError)
        expect(c.stats).toMatchObject({ sent: 1, retransmissions: 0, timeouts: 1 })
        expect(calls).toHaveLength(1)
    })

    test("the TCP client closes the connection on a forged response or a malformed frame, failing the requests in flight", async () => {
        for (const mode of ["forged", "malformed"]) {
            const sockets: Socket[] = []
            const fake = createServer((sock) => {
                sockets.push(sock)
                const reader = new FrameReader()
                sock.on("error", () => {})
                sock.on("data", (d) => {
                    for (const f of reader.push(d).frames) {
                        const req = decodePacket(f)
                        if (mode === "malformed") sock.write(Buffer.from("0201000a00", "hex"))
                        else {
                            const resp = encodePacket({ code: CODE_ACCESS_REJECT, identifier: req.identifier, authenticator: Buffer.alloc(16), attributes: withMessageAuthenticator([]) })
                            sock.write(signResponse(resp, req.authenticator, radiusSecret(Buffer.from("forger"))))
                        }
                    }
                })
            })
            await new Promise<void>((r) => fake.listen(0, "127.0.0.1", () => r()))
            closers.push(
                () =>
                    new Promise((r) => {
                        sockets.forEach((k) => k.destroy())
                        fake.close(() => r())
                    }),
            )
            const port = (fake.address() as { port: number }).port
            const c = await RadiusClient.connect({ transport: "tcp", host: "127.0.0.1", port, secret: SECRET, timeoutMs: 2000 })
            closers.push(() => c.close())
            const started = Date.now()
            await expect(c.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, "x")])).rejects.toThrow(/connection closed/)
            expect(Date.now() - started).toBeLessThan(1500)
            expect(c.stats.connectionsClosed).toBe(1)
            if (mode === "forged") expect(c.stats.badAuthenticator).toBe(1)
            else expect(c.stats.malformed).toBe(1)
            await expect(c.request(CODE_ACCESS_REQUEST, [])).rejects.toThrow()
        }
    })

    test(`the server survives 2,000 mutated frames (seed ${seed}), one connection each, 50 at a time, and still answers`, async () => {
        const rnd = xorshift(seed)
        const valid = await corpus()
        const { s } = await server({ secret: FUZZ_SECRET })
        for (let batch = 0; batch < 40; batch++) {
            const conns = await Promise.all(Array.from({ length: 50 }, () => rawTcp(s.port)))
            await Promise.all(
                conns.map(async (c, i) => {
                    const frame = i % 10 === 9 ? rnd.bytes(rnd.int(300)) : mutate(rnd, rnd.pick(valid))
                    await c.write(frame)
                    // Half-close: a frame left incomplete ends with the connection.
                    c.socket.end()
                }),
            )
            expect(await until(() => conns.every((c) => c.closed), 3000)).toBe(true)
        }
        expect(s.stats.connectionsAccepted).toBe(2000)
        expect(s.stats.malformed).toBeGreaterThan(300)
        expect(s.stats.connectionsClosed).toBeGreaterThan(300)
        expect(await until(() => s.connectionCount === 0)).toBe(true)
        const client = await RadiusClient.connect({ transport: "tcp", host: "127.0.0.1", port: s.port, secret: FUZZ_SECRET, timeoutMs: 2000 })
        closers.push(() => client.close())
        expect((await client.request(CODE_ACCESS_REQUEST, eapMessageAttributes(EAP_IDENTITY))).code).toBe(CODE_ACCESS_ACCEPT)
    })
})
