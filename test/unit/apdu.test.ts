// ISO 7816-4 APDU codec and the card's APDU application under valid, malformed and random input.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { ApduFormatError, decodeCommand, decodeResponse, encodeCommand, encodeResponse, SW_OK } from "../../src/link/apdu"
import { CardApplet } from "../../src/card/card-applet"
import { AkaCardSession } from "../../src/card/aka-card-session"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { pinVerifier } from "../../src/card/pin"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { ACTIVECARD_AID } from "../../src/link/card-commands"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"

function applet(): CardApplet {
    const salt = Buffer.alloc(16, 1)
    const aka = { cardId: "c1", realm: "r", key: milenageKey(Buffer.alloc(16, 2), Buffer.alloc(16, 3)), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
    const pin = { salt, verifier: pinVerifier(nodeAkaPlatform.sha256, salt, "1234"), triesLeft: 3, maxTries: 3 }
    const ui = { showPayment: () => {}, showStatus: () => {} }
    const storage = { savePin: async () => {}, saveAkaState: async () => {} }
    return new CardApplet(() => new AkaCardSession(aka, pin, { preferPrime: true, allowAka: true, networkName: "", usePseudonyms: true }, nodeAkaPlatform, storage, ui, 0))
}

describe("APDU codec", () => {
    test("the four short cases round-trip", () => {
        for (const c of [
            { cla: 0, ins: 0xa4, p1: 4, p2: 0, data: Buffer.alloc(0), le: 0 },
            { cla: 0, ins: 0xc0, p1: 0, p2: 0, data: Buffer.alloc(0), le: 256 },
            { cla: 0x80, ins: 0x50, p1: 0, p2: 0, data: randomBytes(200), le: 0 },
            { cla: 0x10, ins: 0x88, p1: 0, p2: 0x80, data: randomBytes(255), le: 17 },
        ]) {
            expect(decodeCommand(encodeCommand(c))).toEqual(c)
        }
        expect(decodeResponse(encodeResponse(Buffer.from([1, 2]), SW_OK))).toEqual({ data: Buffer.from([1, 2]), sw: SW_OK })
    })

    test("malformed commands: ApduFormatError, never anything else", () => {
        for (const b of [Buffer.alloc(3), Buffer.from([0, 0xa4, 4, 0, 5, 1]), Buffer.from([0, 0xa4, 4, 0, 0, 1, 2])]) {
            expect(() => decodeCommand(b)).toThrow(ApduFormatError)
        }
        expect(() => decodeResponse(Buffer.alloc(1))).toThrow(ApduFormatError)
    })
})

describe("card application under hostile input", () => {
    test("20,000 random and mutated APDUs always get a status word, the applet never throws", async () => {
        const a = applet()
        const select = Buffer.concat([Buffer.from([0, 0xa4, 4, 0, 11]), Buffer.from(ACTIVECARD_AID, "hex")])
        const valid = [select, Buffer.from([0x80, 0x50, 0, 0]), Buffer.from([0, 0x20, 0, 0x80, 4, 0x31, 0x32, 0x33, 0x34]), Buffer.from([0, 0xc0, 0, 0, 0]), Buffer.from([0x10, 0x88, 0, 0x80, 2, 1, 2])]
        let ok = 0
        for (let i = 0; i < 20_000; i++) {
            let apdu: Buffer
            if (i % 3 === 0) apdu = randomBytes(i % 40)
            else {
                apdu = Buffer.from(valid[i % valid.length])
                if (apdu.length > 0) apdu[i % apdu.length] ^= 1 << (i % 8)
            }
            const r = await a.process(apdu)
            expect(r.length).toBeGreaterThanOrEqual(2)
            if (decodeResponse(r).sw === SW_OK) ok++
            if (i % 1000 === 0) a.reset()
        }
        expect(ok).toBeGreaterThan(0)
    })

    test("commands before SELECT are refused; chaining beyond 1 KB is refused", async () => {
        const a = applet()
        expect(decodeResponse(await a.process(Buffer.from([0, 0x20, 0, 0x80, 4, 0x31, 0x32, 0x33, 0x34]))).sw).toBe(0x6985)
        await a.process(Buffer.concat([Buffer.from([0, 0xa4, 4, 0, 11]), Buffer.from(ACTIVECARD_AID, "hex")]))
        const sws: number[] = []
        for (let i = 0; i < 5; i++) sws.push(decodeResponse(await a.process(encodeCommand({ cla: 0x10, ins: 0x88, p1: 0, p2: 0x80, data: Buffer.alloc(255), le: 0 }))).sw)
        expect(sws).toEqual([0x9000, 0x9000, 0x9000, 0x9000, 0x6700]) // the fifth piece passes 1024 bytes
    })
})

describe("state machines over APDUs", () => {
    test("the card session, its EAP-AKA peer, the server and the terminal relay log each transition by name", async () => {
        const log: string[] = []
        const platform = { ...nodeAkaPlatform, log: (line: string) => log.push(line) }
        const ports = new MemoryServerPorts(nodeAkaPlatform.randomBytes)
        ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 100000)
        const card = new TestCard(platform, true, 250)
        const link = { transceive: (apdu: Buffer) => card.applet.process(apdu) }
        const relay = new TerminalRelay(new ApduCardPort(link, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), nodeAkaPlatform.randomBytes, false, null, platform.log)
        const payment = { amount: 12500, currency: 410, installments: 0, merchantId: "M1", terminalId: "T1", transactionId: Buffer.alloc(8, 7) }
        const outcome = await relay.pay(payment, TEST_PIN)
        expect(outcome.approved).toBe(true)
        expect(log).toEqual([
            "card session: IDLE -> OFFERED",
            "terminal relay: OFFER -> PIN",
            "card session: OFFERED -> VERIFIED",
            "terminal relay: PIN -> IDENTITY",
            "card session: VERIFIED -> AUTHENTICATING",
            "EAP-AKA peer: IDLE -> IDENTITY",
            "terminal relay: IDENTITY -> RELAY",
            "EAP-AKA peer: IDENTITY -> CHALLENGED",
            "EAP-AKA peer: CHALLENGED -> NOTIFIED",
            "EAP-AKA peer: NOTIFIED -> SUCCESS",
            "card session: AUTHENTICATING -> DONE",
            "terminal relay: RELAY -> DONE",
        ])
    })
})
