// The card and terminal applications that the firmware runs (src/card/active-card.ts,
// src/terminal/terminal-app.ts), in Node over memory flash and a memory server: personalization,
// payments, state kept across reboots, the PIN lock, the button, and the terminal's keypad flow.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { ActiveCard, CardPanel, LED_APPROVED, LED_REFUSED, PIN_ENTRY_ABANDONED_AFTER_MS } from "../../src/card/active-card"
import { akaCard, loadAkaCard } from "../../src/card/aka-card"
import { CardProfile, decodeProfile, encodeProfile } from "../../src/card/card-profile"
import { FormatError } from "../../src/format-error"
import { decodeReauth, decodeSqn, encodeReauth, encodeSqn, KEY_PIN_TRIES, KEY_PROFILE, KEY_SQN } from "../../src/card/card-store"
import { pinVerifier } from "../../src/card/pin"
import { SqnWindow } from "../../src/crypto/sqn"
import { decodeResponse, encodeCommand } from "../../src/link/apdu"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { APP_RESULT, TerminalApp } from "../../src/terminal/terminal-app"
import { formatAmount } from "../../src/payment/money"
import { nodeAkaPlatform, nodeSha256 } from "../../sim/node-platform"
import { personalizationApdus } from "../../sim/card/personalization"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { MemorySettings } from "../shared/memory-settings"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN } from "../shared/test-card"

const SALT = Buffer.alloc(16, 7)

function testProfile(overrides: Partial<CardProfile> = {}): CardProfile {
    return {
        cardId: TEST_CARD_ID,
        realm: "activecard.example",
        networkName: "",
        k: TEST_K,
        opc: TEST_OPC,
        pinSalt: SALT,
        pinVerifier: pinVerifier(nodeSha256, SALT, TEST_PIN),
        maxPinTries: 3,
        noPinLimit: 0,
        preferPrime: true,
        ...overrides,
    }
}

class RecordingPanel implements CardPanel {
    readonly shown: string[] = []
    readonly leds: number[] = []
    show(text: string): void {
        this.shown.push(text)
    }
    led(rgb: number): void {
        this.leds.push(rgb)
    }
}

async function bootCard(settings: MemorySettings, panel = new RecordingPanel(), maxResponse = 200): Promise<ActiveCard> {
    const card = new ActiveCard(akaCard(settings, nodeAkaPlatform), panel, maxResponse)
    await card.boot()
    return card
}

async function personalize(settings: MemorySettings, profile = testProfile()): Promise<ActiveCard> {
    const card = await bootCard(settings)
    for (const apdu of personalizationApdus(profile, 64)) expect(decodeResponse(await card.process(apdu)).sw).toBe(0x9000)
    return card
}

function payment(amount: number, tx: string) {
    return { amount, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") }
}

function world(method = EAP_TYPE_AKA_PRIME) {
    const ports = new MemoryServerPorts((n) => randomBytes(n))
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
    return { ports, uplink: new MemoryUplink(ports, nodeAkaPlatform, method) }
}

describe("personalization record", () => {
    test("round trip keeps every field", () => {
        const p = testProfile({ networkName: "WLAN", noPinLimit: 50000, preferPrime: false, maxPinTries: 5 })
        expect(decodeProfile(encodeProfile(p))).toEqual(p)
    })

    test("malformed records are refused with FormatError, never anything else", () => {
        const good = encodeProfile(testProfile())
        expect(() => decodeProfile(good.subarray(0, good.length - 1))).toThrow(FormatError)
        expect(() => decodeProfile(Buffer.concat([good, Buffer.from([0x01, 0x01, 0x41])]))).toThrow(/duplicate/)
        for (let i = 0; i < 3000; i++) {
            const b = Buffer.from(good)
            for (let j = 0; j < 1 + (i % 4); j++) b[randomBytes(1)[0] % b.length] = randomBytes(1)[0]
            const input = i % 3 === 0 ? randomBytes(i % 200) : b
            try {
                decodeProfile(input)
            } catch (e) {
                expect(e, String(e)).toBeInstanceOf(FormatError)
            }
        }
    })

    test("SQN window and re-auth context survive their flash encodings", () => {
        const w = new SqnWindow()
        w.accept(0x7ffffffffff * 32 + 31)
        w.accept(5 * 32 + 2)
        expect(decodeSqn(encodeSqn(w)).seqMs).toEqual(w.seqMs)
        expect(encodeSqn(w).length).toBeLessThanOrEqual(200)
        const ctx = { method: 50, counter: 7, kEncr: randomBytes(16), kAut: randomBytes(32), reauthKey: randomBytes(32) }
        expect(decodeReauth(encodeReauth("reauth-id-1", ctx))).toEqual({ id: "reauth-id-1", context: ctx })
        expect(decodeReauth(Buffer.alloc(0))).toEqual({ id: "", context: null })
    })
})

describe("card personalization over APDUs", () => {
    test("a blank card takes STORE DATA once and becomes a payment card", async () => {
        const settings = new MemorySettings()
        const panel = new RecordingPanel()
        const card = await bootCard(settings, panel)
        expect(card.personalized()).toBe(false)
        expect(panel.shown.at(-1)).toMatch(/BLANK CARD/)
        for (const apdu of personalizationApdus(testProfile(), 64)) expect(decodeResponse(await card.process(apdu)).sw).toBe(0x9000)
        expect(card.personalized()).toBe(true)
        expect(settings.writes.at(-1)).toBe(KEY_PROFILE) // the commit point comes last
        // A second personalization is not possible: the payment application does not know STORE DATA.
        const again = personalizationApdus(testProfile({ cardId: "attacker1" }), 64)
        expect(decodeResponse(await card.process(again[0])).sw).toBe(0x9000)
        expect(decodeResponse(await card.process(again[1])).sw).toBe(0x6d00)
        expect((await loadAkaCard(settings, nodeAkaPlatform))!.profile.cardId).toBe(TEST_CARD_ID)
        // Nothing of the keys is shown.
        expect(panel.shown.join(" ")).not.toContain(TEST_K.toString("hex"))
    })

    test("out-of-sequence blocks and bad records leave the card blank", async () => {
        const settings = new MemorySettings()
        const card = await bootCard(settings)
        const apdus = personalizationApdus(testProfile(), 64)
        expect(decodeResponse(await card.process(apdus[2])).sw).toBe(0x6a86) // block 1 before block 0
        const bad = encodeCommand({ cla: 0x80, ins: 0xe2, p1: 0x80, p2: 0, data: Buffer.from("0102abcd", "hex"), le: 0 })
        expect(decodeResponse(await card.process(bad)).sw).toBe(0x6a80)
        for (let i = 0; i < 500; i++) await card.process(randomBytes(1 + (i % 40)))
        expect(card.personalized()).toBe(false)
        expect(settings.values.has(KEY_PROFILE)).toBe(false)
    })
})

describe("payments with the card application", () => {
    for (const method of [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]) {
        test(`approved over APDUs (${method === EAP_TYPE_AKA ? "EAP-AKA" : "EAP-AKA'"}), state kept across a reboot`, async () => {
            const settings = new MemorySettings()
            const panel = new RecordingPanel()
            await personalize(settings)
            let card = await bootCard(settings, panel)
            const w = world(method)
            const pay = (c: ActiveCard, tx: string) => new TerminalRelay(new ApduCardPort({ transceive: (a) => c.process(a) }, 200), w.uplink, (n) => randomBytes(n)).pay(payment(12500, tx), TEST_PIN)
            const first = await pay(card, "0101010101010101")
            expect(first.approved, first.message).toBe(true)
            expect(panel.shown).toContain("PAY 12,500 KRW\n3 MONTHS\nMERCHANT0001")
            expect(panel.shown.at(-1)).toBe("APPROVED " + first.approvalNumber)
            expect(panel.leds.at(-1)).toBe(LED_APPROVED)
            expect(settings.writes).toContain(KEY_SQN)
            expect(settings.verified).toContain(KEY_SQN) // the SQN window is proven stored before the card answers
            expect(settings.writes.filter((k) => k === KEY_SQN)).toHaveLength(2) // personalization + once per exchange, not again when unchanged
            // Reboot: a new card application over the same flash keeps SQN and pseudonym, and pays again.
            card = await bootCard(settings, panel)
            const stored = (await loadAkaCard(settings, nodeAkaPlatform))!
            expect(stored.aka.sqn.highestSqn()).toBeGreaterThan(0)
            expect(stored.aka.pseudonym).not.toBe("")
            const second = await pay(card, "0202020202020202")
            expect(second.approved, second.message).toBe(true)
            expect(w.ports.finalApprovals()).toBe(2)
        })
    }

    test("three wrong PINs lock the card, and it is still locked after a reboot", async () => {
        const settings = new MemorySettings()
        await personalize(settings)
        const w = world()
        const pay = async (pin: string, tx: string) => {
            const card = await bootCard(settings) // a reboot before each attempt
            return new TerminalRelay(new ApduCardPort({ transceive: (a) => card.process(a) }, 200), w.uplink, (n) => randomBytes(n)).pay(payment(5000, tx), pin)
        }
        expect((await pay("0000", "0101010101010101")).message).toBe("WRONG PIN - 2 TRIES LEFT")
        expect((await pay("1111", "0202020202020202")).message).toBe("WRONG PIN - 1 TRIES LEFT")
        expect((await pay("2222", "0303030303030303")).message).toMatch(/CARD LOCKED/)
        expect(settings.values.get(KEY_PIN_TRIES)).toEqual(Buffer.from([0]))
        const panel = new RecordingPanel()
        await bootCard(settings, panel)
        expect(panel.shown.at(-1)).toBe("CARD LOCKED")
        const withRightPin = await pay(TEST_PIN, "0404040404040404")
        expect(withRightPin.approved).toBe(false)
        expect(withRightPin.message).toMatch(/CARD LOCKED/)
        expect(w.ports.finalApprovals()).toBe(0)
    })

    test("the try counter is written before the PIN is compared", async () => {
        const settings = new MemorySettings()
        await personalize(settings)
        const card = await bootCard(settings)
        const port = new ApduCardPort({ transceive: (a) => card.process(a) }, 200)
        await port.offer(payment(5000, "0101010101010101"))
        await port.pinRequired()
        settings.writes.length = 0
        settings.verified.length = 0
        await port.verifyPin(TEST_PIN)
        expect(settings.writes).toEqual([KEY_PIN_TRIES, KEY_PIN_TRIES]) // decrement, then restore on success
        expect(settings.verified).toEqual([KEY_PIN_TRIES, KEY_PIN_TRIES]) // each read back before the card goes on
    })

    /** A personalized card whose clock the test moves, with its panel and a terminal's port to it. */
    async function cardOnAClock() {
        const settings = new MemorySettings()
        await personalize(settings)
        const panel = new RecordingPanel()
        let clock = 1000
        const card = new ActiveCard(akaCard(settings, nodeAkaPlatform), panel, 200, () => clock)
        await card.boot()
        const port = new ApduCardPort({ transceive: (a) => card.process(a) }, 200)
        return { card, panel, port, advance: (ms: number) => (clock += ms) }
    }

    test("a transaction left half-way (card out of the field) is closed on the card after 3 s of silence", async () => {
        const { card, panel, port, advance } = await cardOnAClock()
        await port.offer(payment(5000, "0101010101010101"))
        await port.verifyPin(TEST_PIN)
        expect(panel.shown.at(-1)).toBe("PIN OK")
        advance(2999)
        card.tick()
        expect(panel.shown.at(-1)).toBe("PIN OK")
        advance(2)
        card.tick()
        expect(panel.shown.at(-1)).toBe("NOT COMPLETED")
        expect(panel.leds.at(-1)).toBe(LED_REFUSED)
        // Nothing carries over: the next command without SELECT is refused.
        const eap = await port.eap(Buffer.from("0101000501", "hex")).catch((e) => e)
        expect(eap === null || eap instanceof Error, String(eap)).toBe(true)
        card.tick() // idle now: nothing more to close
        expect(panel.shown.filter((t) => t === "NOT COMPLETED")).toHaveLength(1)
    })

    test("while the holder types the PIN (offer made, no VERIFY yet) the card waits the terminal's prompt time, not 3 s", async () => {
        const { card, panel, port, advance } = await cardOnAClock()
        await port.offer(payment(5000, "0101010101010101"))
        const offered = panel.shown.at(-1)
        advance(20_000) // a slow holder
        card.tick()
        expect(panel.shown.at(-1)).toBe(offered)
        await port.verifyPin(TEST_PIN)
        expect(panel.shown.at(-1)).toBe("PIN OK")
        advance(PIN_ENTRY_ABANDONED_AFTER_MS + 1)
        card.tick()
        expect(panel.shown.at(-1)).toBe("NOT COMPLETED")
    })

    test("the card's keypad takes no keys while a transaction is under way, and types again after it", async () => {
        const { card, panel, port, advance } = await cardOnAClock()
        await port.offer(payment(5000, "0101010101010101"))
        const offered = panel.shown.at(-1)
        for (const k of "12#") card.keyPressed(k)
        expect(panel.shown.at(-1)).toBe(offered)
        advance(PIN_ENTRY_ABANDONED_AFTER_MS + 1)
        card.tick()
        expect(panel.shown.at(-1)).toBe("NOT COMPLETED")
        card.keyPressed("7")
        expect(panel.shown.at(-1)).toBe("KEYPAD\n*_")
        card.keyPressed("#")
        expect(panel.shown.at(-1)).toBe("ACTIVECARD\nREADY")
    })

    test("a card locked during a transaction comes back to CARD LOCKED after a keypad entry", async () => {
        const { card, panel, port, advance } = await cardOnAClock()
        await port.offer(payment(5000, "0101010101010101"))
        for (const pin of ["0000", "1111", "2222"]) await port.verifyPin(pin).catch(() => null)
        expect(panel.shown).toContain("CARD LOCKED")
        advance(PIN_ENTRY_ABANDONED_AFTER_MS + 1)
        card.tick()
        for (const k of "5#") card.keyPressed(k)
        expect(panel.shown.at(-1)).toBe("CARD LOCKED")
    })

    test("the holder's button refuses the payment on display", async () => {
        const settings = new MemorySettings()
        await personalize(settings)
        const panel = new RecordingPanel()
        const card = await bootCard(settings, panel)
        const w = world()
        const link = {
            transceive: async (a: Buffer) => {
                const answer = await card.process(a)
                if (a[1] === 0x20) card.buttonPressed() // the holder presses the button while the terminal verifies the PIN
                return answer
            },
        }
        const outcome = await new TerminalRelay(new ApduCardPort(link, 200), w.uplink, (n) => randomBytes(n)).pay(payment(5000, "0101010101010101"), TEST_PIN)
        expect(outcome.approved).toBe(false)
        expect(panel.shown).toContain("CANCELLED")
        expect(panel.leds.at(-1)).toBe(LED_REFUSED)
        expect(w.ports.finalApprovals()).toBe(0)
    })
})

describe("terminal application", () => {
    function scriptedKeys(keys: string) {
        const queue = keys.split("")
        return { nextKey: async () => queue.shift() ?? "" }
    }

    test("amount, installments, tap, PIN pad, approval on the display", async () => {
        const settings = new MemorySettings()
        await personalize(settings)
        const card = await bootCard(settings)
        const w = world()
        const shown: string[] = []
        const app = new TerminalApp(
            { show: (t) => shown.push(t) },
            scriptedKeys("12500#3#" + TEST_PIN + "#"),
            { waitForCard: async () => true, card: () => new ApduCardPort({ transceive: (a) => card.process(a) }, 200) },
            w.uplink,
            (n) => randomBytes(n),
            { terminalId: "TERM0001", merchantId: "MERCHANT0001", currency: 410, promptTimeoutMs: 1000, displayColumns: 20 },
        )
        const outcome = await app.sale()
        expect(outcome!.approved, outcome!.message).toBe(true)
        expect(app.state).toBe(APP_RESULT)
        expect(shown).toContain("AMOUNT\n12,500 KRW")
        expect(shown).toContain("TAP CARD\n12,500 KRW, 3 MONTHS")
        expect(shown).toContain("ENTER PIN\n****")
        expect(shown.join("\n")).not.toContain(TEST_PIN)
        expect(shown.at(-1)).toBe(`APPROVED ${outcome!.approvalNumber}\n12,500 KRW, 3 MONTHS`)
    })

    test("cancel at the PIN pad, no card, and a timeout end without approval", async () => {
        const settings = new MemorySettings()
        await personalize(settings)
        const card = await bootCard(settings)
        const w = world()
        const make = (keys: string, cardThere: boolean) =>
            new TerminalApp(
                { show: () => {} },
                scriptedKeys(keys),
                { waitForCard: async () => cardThere, card: () => new ApduCardPort({ transceive: (a) => card.process(a) }, 200) },
                w.uplink,
                (n) => randomBytes(n),
                { terminalId: "TERM0001", merchantId: "MERCHANT0001", currency: 840, promptTimeoutMs: 10, displayColumns: 20 },
            )
        expect((await make("100#0#*", true).sale())!.message).toBe("CANCELLED - NOT APPROVED")
        expect(await make("100#0#", false).sale()).toBeNull()
        expect(await make("1", true).sale()).toBeNull()
        expect(w.ports.finalApprovals()).toBe(0)
    })

    test("amounts are shown with the currency's exponent", () => {
        expect(formatAmount(1234567, 410)).toBe("1,234,567 KRW")
        expect(formatAmount(123456, 840)).toBe("1,234.56 USD")
        expect(formatAmount(5, 978)).toBe("0.05 EUR")
        expect(formatAmount(1000, 999)).toBe("10.00 #999")
    })
})
