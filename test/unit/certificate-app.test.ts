// The card's certificate application (src/certificate/certificate-app.ts) over fake ports: the real
// CA over TCP for enrolment, a small HTTP service provider, a scripted SMS store, and the card
// applet's APDUs for the infrared flow.

import { afterAll, describe, expect, test } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CaServer } from "../../sim/ca/ca-server"
import { nodeHmacSha256, nodeKeyPlatform } from "../../sim/node-platform"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"
import { CERT_ANSWERED, CERT_ENROLLING, CERT_IDLE, CERT_PASSWORD, CERT_READING, CERT_SIGNING, CertificateApp, type CertPlatform, type SmsPort } from "../../src/certificate/certificate-app"
import { KEY_CERT, KEY_SIGN_KEY, KEY_SIGN_TRIES } from "../../src/certificate/certificate-store"
import { encodeHistory, historyDisplayLines, parseHistory } from "../../src/certificate/transaction-history"
import { CardApplet } from "../../src/card/card-applet"
import { decodeResponse, encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID } from "../../src/link/card-commands"
import { MemorySettings } from "../shared/memory-settings"

const PHONE = "+821012345678"
const PASSWORD = "246802"
const platform: CertPlatform = { ...nodeKeyPlatform, hmacSha256: nodeHmacSha256 }
const dir = mkdtempSync(join(tmpdir(), "activecard-certapp-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })

// The service provider: histories by ID, signatures recorded, one-line answers.
const histories = new Map<string, Buffer>()
const posted: { id: string; type: string; body: Buffer }[] = []
let signatureAnswer = { status: 200, line: "OK performed" }
const service: Server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on("data", (d: Buffer) => parts.push(d))
    req.on("end", () => {
        const url = req.url ?? ""
        let status = 404
        let body: Buffer = Buffer.from("REFUSED unknown")
        if (req.method === "GET" && url.startsWith("/card/history/") && histories.has(url.slice(14))) {
            status = 200
            body = histories.get(url.slice(14)) as Buffer
        } else if (req.method === "POST" && url.startsWith("/card/signature/")) {
            posted.push({ id: url.slice(16), type: String(req.headers["content-type"]), body: Buffer.concat(parts) })
            status = signatureAnswer.status
            body = Buffer.from(signatureAnswer.line)
        }
        res.writeHead(status, { "content-type": "text/plain; charset=us-ascii", "content-length": body.length }).end(body)
    })
})
await new Promise<void>((r) => service.listen(0, "127.0.0.1", () => r()))
const servicePort = (service.address() as AddressInfo).port

afterAll(async () => {
    service.close()
    await ca.stop()
    rmSync(dir, { recursive: true, force: true })
})

class FakeSms implements SmsPort {
    readonly stored = new Map<number, string>()
    readonly arrived: number[] = []
    readonly deleted: number[] = []
    receive(index: number, text: string): void {
        this.stored.set(index, text)
        this.arrived.push(index)
    }
    async poll(): Promise<number> {
        return this.arrived.shift() ?? -1
    }
    async readMessage(index: number): Promise<{ text: string }> {
        return { text: this.stored.get(index) ?? "" }
    }
    async deleteMessage(index: number): Promise<void> {
        this.stored.delete(index)
        this.deleted.push(index)
    }
}

interface Card {
    app: CertificateApp
    settings: MemorySettings
    shown: string[]
    logs: string[]
    sms: FakeSms
}

function text(s: string): Buffer {
    return Buffer.from(s)
}

async function newCard(settings = new MemorySettings(), caPort = ca.port): Promise<Card> {
    await settings.write("ca.host", text("127.0.0.1"), false)
    await settings.write("ca.port", text(String(caPort)), false)
    await settings.write("svc.host", text("127.0.0.1"), false)
    await settings.write("svc.port", text(String(servicePort)), false)
    await settings.write("tel", text(PHONE), false)
    const shown: string[] = []
    const logs: string[] = []
    const sms = new FakeSms()
    const app = new CertificateApp(settings, platform, (t) => shown.push(t), nodeByteStream, sms, (l) => logs.push(l))
    await app.load()
    return { app, settings, shown, logs, sms }
}

function type(app: CertificateApp, keys: string): void {
    for (const k of keys) expect(app.key(k)).toBe(true)
}

/** Steps until the slow work is done. */
async function settle(app: CertificateApp): Promise<void> {
    for (let i = 0; i < 5 && (i === 0 || app.state === CERT_ENROLLING || app.state === CERT_SIGNING); i++) await app.step()
}

async function enrol(c: Card, reference: string, secret: string): Promise<void> {
    type(c.app, "1" + reference + "#" + secret + "#" + PASSWORD + "#" + PASSWORD + "#")
    expect(c.app.state).toBe(CERT_ENROLLING)
    await settle(c.app)
}

function history(id: string, phone = PHONE): Buffer {
    return encodeHistory({ id, by: "DEMO BANK", at: "2026-12-05T22:00:00Z", phone, lines: ["TRANSFER 50,000 KRW", "TO 110-222-333 KIM", "FEE 0 KRW"] })
}

/** The holder's keys to read every page of a history ("#" a page) and sign with `password`. */
function readAndSign(id: string, password: string): string {
    return "#".repeat(Math.ceil(historyDisplayLines(parseHistory(history(id))).length / 3)) + password + "#"
}

const reg = ca.store.register("Card Holder", PHONE)
const enrolled = await newCard()
await enrol(enrolled, reg.reference, reg.secret)

describe("enrolment", () => {
    test("stores the certificate and the sealed key after the CA's pkiConf, shows the serial", async () => {
        const c = enrolled
        expect(c.app.state).toBe(CERT_IDLE)
        expect(c.shown.at(-1)).toMatch(/^ENROLLED\nSERIAL\n[0-9A-F]{16}$/)
        expect(c.app.cert).not.toBeNull()
        expect(await c.settings.read(KEY_SIGN_KEY)).not.toBeNull()
        expect(c.logs.join("\n")).toContain("after pkiConf")
        // Reference and secret never shown nor logged; typed masked.
        const all = c.shown.join("\n") + c.logs.join("\n")
        expect(all).not.toContain(reg.reference)
        expect(all).not.toContain(reg.secret)
        expect(all).not.toContain(PASSWORD)
        // Another boot finds the certificate; key 2 shows the serial.
        const again = await newCard(c.settings)
        expect(again.app.cert).toEqual(c.app.cert)
        type(again.app, "2")
        expect(again.shown.at(-1)).toBe(c.shown.at(-1)?.slice(9))
    })

    test("a wrong secret shows the CA's refusal and stores nothing", async () => {
        const r = ca.store.register("Other Holder", "+821099999999")
        const c = await newCard()
        const wrong = (r.secret[0] === "1" ? "2" : "1") + r.secret.slice(1)
        await enrol(c, r.reference, wrong)
        expect(c.shown.at(-1)).toMatch(/^ENROL FAILED\nCA refused/)
        expect(c.app.cert).toBeNull()
        expect(await c.settings.read(KEY_CERT)).toBeNull()
        expect(await c.settings.read(KEY_SIGN_KEY)).toBeNull()
        expect(c.shown.join("\n") + c.logs.join("\n")).not.toContain(r.reference)
        type(c.app, "2")
        expect(c.shown.at(-1)).toBe("NO CERTIFICATE")
    })

    test("an unreachable CA, a missing CA setting, a cancel, bad lengths", async () => {
        const c = await newCard(new MemorySettings(), 1)
        await enrol(c, "123456789012", "1234567890123456")
        expect(c.shown.at(-1)).toBe("ENROL FAILED\nCA UNREACHABLE")
        expect(await c.settings.read(KEY_SIGN_KEY)).toBeNull()
        await c.settings.write("ca.host", Buffer.alloc(0), false)
        await enrol(c, "123456789012", "1234567890123456")
        expect(c.shown.at(-1)).toBe("ENROL FAILED\nNO CA SET")
        type(c.app, "1123#")
        expect(c.shown.at(-1)).toBe("REFERENCE? 12 DIGITS\n_")
        type(c.app, "*")
        expect([c.app.state, c.shown.at(-1)]).toEqual([CERT_IDLE, "CANCELLED"])
        expect(c.app.key("5")).toBe(false) // an idle card leaves other keys to the payments
    })
})

describe("online signing after an SMS notice", () => {
    test("fetches, pages, signs with the history's AT and posts the CMS; shows the answer", async () => {
        const c = enrolled
        histories.set("T-1", history("T-1"))
        c.sms.receive(4, "HELLO")
        c.sms.receive(7, "ACSIGN T-1")
        await c.app.step()
        expect(c.sms.deleted).toEqual([4])
        expect(c.app.state).toBe(CERT_IDLE)
        await c.app.step()
        expect(c.sms.deleted).toEqual([4, 7])
        expect(c.app.state).toBe(CERT_READING)
        expect(c.shown.at(-1)).toBe("ID T-1\nBY DEMO BANK\nAT\n# NEXT * CANCEL")
        type(c.app, "#")
        expect(c.shown.at(-1)).toBe("2026-12-05T22:00:00Z\nFOR tel:+821012345678\nTRANSFER 50,000 KRW\n# NEXT * CANCEL")
        type(c.app, "##")
        expect([c.app.state, c.shown.at(-1)]).toEqual([CERT_PASSWORD, "PASSWORD?\n_"])
        type(c.app, PASSWORD)
        expect(c.shown.at(-1)).toBe("PASSWORD?\n******_")
        type(c.app, "#")
        await settle(c.app)
        expect(c.shown.at(-1)).toBe("OK performed")
        const p = posted.at(-1)
        expect(p?.id).toBe("T-1")
        expect(p?.type).toBe("application/pkcs7-mime")
        expect(p?.body.includes(history("T-1"))).toBe(true)
        expect(p?.body.includes(c.app.cert as Buffer)).toBe(true)
        expect(p?.body.includes(Buffer.from("261205220000Z"))).toBe(true) // signingTime = AT
    })

    test("refuses a history for another card, and shows a 503 answer as it is", async () => {
        const c = enrolled
        histories.set("T-2", history("T-2", "+821000000000"))
        c.sms.receive(8, "ACSIGN T-2")
        await c.app.step()
        expect([c.app.state, c.shown.at(-1)]).toEqual([CERT_IDLE, "NOT FOR THIS CARD"])
        histories.set("T-3", history("T-3"))
        signatureAnswer = { status: 503, line: "REFUSED status unknown: try again" }
        c.sms.receive(9, "ACSIGN T-3")
        await c.app.step()
        type(c.app, readAndSign("T-3", PASSWORD))
        await settle(c.app)
        signatureAnswer = { status: 200, line: "OK performed" }
        expect(c.shown.at(-1)).toBe("REFUSED status unknown: try again")
    })
})

function apdu(cla: number, ins: number, data: Buffer = Buffer.alloc(0), le = 0): Buffer {
    return encodeCommand({ cla, ins, p1: ins === 0xa4 ? 4 : 0, p2: 0, data, le })
}

describe("infrared signing through the card applet", () => {
    test("SIGN HISTORY chained, GET SIGNATURE polled, the CMS in parts, started over after a loss of sight", async () => {
        const c = enrolled
        const applet = new CardApplet(() => {
            throw new Error("no payment here")
        }, 200, c.app)
        const send = async (a: Buffer) => decodeResponse(await applet.process(a))
        expect((await send(apdu(0x80, 0x2a, history("IR-1")))).sw).toBe(0x6985) // not selected
        expect((await send(apdu(0, 0xa4, Buffer.from(ACTIVECARD_AID, "hex")))).sw).toBe(0x9000)
        expect((await send(apdu(0x80, 0x2a, Buffer.from("not a history\n")))).sw).toBe(0x6a80)
        const h = history("IR-1")
        expect((await send(apdu(0x90, 0x2a, h.subarray(0, 100)))).sw).toBe(0x9000)
        expect((await send(apdu(0x80, 0x2a, h.subarray(100)))).sw).toBe(0x9000)
        expect(c.app.state).toBe(CERT_READING)
        expect((await send(apdu(0x80, 0x2c))).sw).toBe(0x6985)
        type(c.app, readAndSign("IR-1", PASSWORD))
        expect((await send(apdu(0x80, 0x2c))).sw).toBe(0x6985) // still signing
        await settle(c.app)
        expect(c.app.state).toBe(CERT_ANSWERED)
        const first = await send(apdu(0x80, 0x2c))
        expect(first.sw & 0xff00).toBe(0x6100)
        // The card left sight after the first part: the terminal asks again and gets it from the start.
        const again = await send(apdu(0x80, 0x2c))
        expect(again.data).toEqual(first.data)
        const parts = [again.data]
        let r = again
        while ((r.sw & 0xff00) === 0x6100) {
            r = await send(apdu(0, 0xc0, Buffer.alloc(0), r.sw & 0xff))
            parts.push(r.data)
        }
        expect(r.sw).toBe(0x9000)
        const cms = Buffer.concat(parts)
        expect(cms).toEqual(c.app.signature)
        expect(cms.includes(h)).toBe(true)
        c.app.tick(6000) // nobody asks again: the request ends
        expect(c.app.state).toBe(CERT_IDLE)
        expect((await send(apdu(0x80, 0x2c))).sw).toBe(0x6985)
    })

    test("cancel answers 6982; a card without certificate 6985", async () => {
        const c = enrolled
        const applet = new CardApplet(() => {
            throw new Error("no payment here")
        }, 200, c.app)
        const send = async (a: Buffer) => decodeResponse(await applet.process(a)).sw
        await send(apdu(0, 0xa4, Buffer.from(ACTIVECARD_AID, "hex")))
        expect(await send(apdu(0x80, 0x2a, history("IR-2")))).toBe(0x9000)
        type(c.app, "#*")
        expect(await send(apdu(0x80, 0x2c))).toBe(0x6982)
        expect(await send(apdu(0x80, 0x2c))).toBe(0x6985)
        const blank = await newCard()
        const blankApplet = new CardApplet(() => {
            throw new Error("no payment here")
        }, 200, blank.app)
        await blankApplet.process(apdu(0, 0xa4, Buffer.from(ACTIVECARD_AID, "hex")))
        expect(decodeResponse(await blankApplet.process(apdu(0x80, 0x2a, history("IR-3")))).sw).toBe(0x6985)
    })

    test("wrong passwords are counted (6982, n LEFT) and lock signing (6983)", async () => {
        const c = enrolled
        const applet = new CardApplet(() => {
            throw new Error("no payment here")
        }, 200, c.app)
        const send = async (a: Buffer) => decodeResponse(await applet.process(a)).sw
        await send(apdu(0, 0xa4, Buffer.from(ACTIVECARD_AID, "hex")))
        for (let left = 4; left >= 0; left--) {
            expect(await send(apdu(0x80, 0x2a, history("IR-4")))).toBe(0x9000)
            type(c.app, readAndSign("IR-4", "999999"))
            await settle(c.app)
            expect((await c.settings.read(KEY_SIGN_TRIES))?.[0]).toBe(left)
            if (left > 0) {
                expect(c.shown.at(-1)).toBe("WRONG PASSWORD\n" + left + " LEFT")
                expect(await send(apdu(0x80, 0x2c))).toBe(0x6982)
            } else {
                expect(c.shown.at(-1)).toBe("SIGNING LOCKED")
                expect(await send(apdu(0x80, 0x2c))).toBe(0x6983)
            }
        }
        // Locked: the right password no longer signs.
        expect(await send(apdu(0x80, 0x2a, history("IR-5")))).toBe(0x9000)
        type(c.app, readAndSign("IR-5", PASSWORD))
        await settle(c.app)
        expect(c.shown.at(-1)).toBe("SIGNING LOCKED")
    })
})
