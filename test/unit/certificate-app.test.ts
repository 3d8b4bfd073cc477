// The card's certificate application (src/certificate/certificate-app.ts) over fake ports: the real
// CA over TCP for enrolment, a small HTTP service provider, a scripted SMS store, and the card
// applet's APDUs for the infrared flow.

import { afterAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CaServer } from "../../sim/ca/ca-server"
import { CERT_ANSWERED, CERT_ENROLLING, CERT_IDLE, CERT_PASSWORD, CERT_READING } from "../../src/certificate/certificate-app"
import { KEY_CERT, KEY_SIGN_KEY, KEY_SIGN_TRIES } from "../../src/certificate/certificate-store"
import { encodeHistory, historyDisplayLines, parseHistory } from "../../src/certificate/transaction-history"
import { CardApplet } from "../../src/card/card-applet"
import { decodeResponse, encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID } from "../../src/link/card-commands"
import { MemorySettings } from "../shared/memory-settings"
import { type CertCard, certCard, settle, startService, typeKeys } from "../support/certificate-card"

const PHONE = "+821012345678"
const PASSWORD = "246802"
const dir = mkdtempSync(join(tmpdir(), "activecard-certapp-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })

// The service provider: histories by ID, signatures recorded, one-line answers.
const service = await startService()
const { histories, posted } = service
const servicePort = service.port

afterAll(async () => {
    service.close()
    await ca.stop()
    rmSync(dir, { recursive: true, force: true })
})

type Card = CertCard

async function newCard(settings = new MemorySettings(), caPort = ca.port): Promise<Card> {
    return await certCard(settings, { "ca.host": "127.0.0.1", "ca.port": String(caPort), "svc.host": "127.0.0.1", "svc.port": String(servicePort), tel: PHONE })
}

const type = typeKeys

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
        // The receipt: key 3 shows it, and a card booted again from the same flash still has it.
        type(c.app, "3")
        expect(c.shown.at(-1)).toBe("RECEIPT\nT-1\nOK performed")
        const rebooted = await certCard(c.settings, {})
        expect(rebooted.app.key("3")).toBe(true)
        expect(rebooted.shown.at(-1)).toBe("RECEIPT\nT-1\nOK performed")
        const blank = await newCard()
        blank.app.key("3")
        expect(blank.shown.at(-1)).toBe("NO RECEIPT")
    })

    test("refuses a history for another card, and shows a 503 answer as it is", async () => {
        const c = enrolled
        histories.set("T-2", history("T-2", "+821000000000"))
        c.sms.receive(8, "ACSIGN T-2")
        await c.app.step()
        expect([c.app.state, c.shown.at(-1)]).toEqual([CERT_IDLE, "NOT FOR THIS CARD"])
        histories.set("T-3", history("T-3"))
        service.answer = { status: 503, line: "REFUSED status unknown: try again" }
        c.sms.receive(9, "ACSIGN T-3")
        await c.app.step()
        type(c.app, readAndSign("T-3", PASSWORD))
        await settle(c.app)
        service.answer = { status: 200, line: "OK performed" }
        expect(c.shown.at(-1)).toBe("REFUSED status\nunknown: try again") // the OLED's 21-column rows
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
        // Nobody asks again: the request ends 30 s after the answer, even when no command came
        // for longer than that while the card signed.
        c.app.tick(100_000, 60_000)
        c.app.tick(129_000, 89_000)
        expect(c.app.state).toBe(CERT_ANSWERED)
        c.app.tick(130_001, 90_001)
        expect(c.app.state).toBe(CERT_IDLE)
        expect(c.app.state).toBe(CERT_IDLE)
        type(c.app, "3") // over infrared the card knows only that it signed
        expect(c.shown.at(-1)).toBe("RECEIPT\nIR-1\nSIGNED")
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
