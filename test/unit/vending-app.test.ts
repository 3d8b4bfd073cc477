// The vending machine's application (src/vending/vending-app.ts) with fake ports: a scripted card
// over APDUs (chained SIGN HISTORY, 6985 polls, the CMS in 61xx parts), a fake verifier, memory
// flash, a clock and an output that counts. The happy path in its named states, each refusal
// with nothing dispensed, the card pulled away, garbage and error status words, timeouts, and
// power cuts around the dispense: never a second dispense, never a lost record.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { CLA_CHAINING, decodeCommand, encodeResponse } from "../../src/link/apdu"
import { LinkLostError, type ApduLink } from "../../src/link/apdu-link"
import { SaleVerifier, VendingApp, VEND_DONE, VEND_REFUSED } from "../../src/vending/vending-app"
import { VendingRefusal } from "../../src/vending/vending-refusal"
import { DEFAULT_SLOTS, parseSlots, vendingChallenge } from "../../src/vending/challenge-text"
import { KEY_PENDING, SalesLog, STATUS_DISPENSED, STATUS_UNCONFIRMED } from "../../src/vending/sales-log"
import { FormatError } from "../../src/format-error"
import { MemorySettings } from "../shared/memory-settings"

const NOW = 1796507836 // 2026-12-05T21:57:16Z

/** The card's side of SIGN HISTORY / GET SIGNATURE, scripted (contract: test/support/signing-card-standin.ts). */
class ScriptedCard implements ApduLink {
    inSight = true
    /** Polls answered 6985 before the holder confirms. */
    polls = 1
    /** What GET SIGNATURE ends with: 0x9000 (the CMS) or a status word. */
    final = 0x9000
    /** From the first command with this INS on, the card is out of sight for good. */
    dropOn = -1
    /** The first command with this INS is answered with garbage. */
    garbageOn = -1
    readonly histories: Buffer[] = []
    n = 0
    private chained: Buffer[] = []
    private pending = Buffer.alloc(0)
    private asked = 0

    async transceive(apdu: Buffer): Promise<Buffer> {
        this.n++
        if (apdu[1] === this.dropOn) this.inSight = false
        if (!this.inSight) throw new LinkLostError("out of infrared sight")
        if (apdu[1] === this.garbageOn) {
            this.garbageOn = -1
            return Buffer.from([0x42])
        }
        const c = decodeCommand(apdu)
        if ((c.cla & CLA_CHAINING) !== 0) {
            this.chained.push(c.data)
            return encodeResponse(Buffer.alloc(0), 0x9000)
        }
        const whole = Buffer.concat([...this.chained, c.data])
        this.chained = []
        if (c.ins === 0x2a) {
            this.histories.push(whole)
            this.asked = 0
            return encodeResponse(Buffer.alloc(0), 0x9000)
        }
        if (c.ins === 0xc0) {
            const rest = this.pending
            this.pending = Buffer.alloc(0)
            return encodeResponse(rest, 0x9000)
        }
        if (c.ins === 0x2c) {
            if (this.asked++ < this.polls) return encodeResponse(Buffer.alloc(0), 0x6985)
            if (this.final !== 0x9000) return encodeResponse(Buffer.alloc(0), this.final)
            const cms = Buffer.concat([Buffer.from("CMS:"), this.histories[this.histories.length - 1], Buffer.alloc(300, 0x5a)])
            this.pending = cms.subarray(200)
            return encodeResponse(cms.subarray(0, 200), 0x6100 | (this.pending.length & 0xff))
        }
        return encodeResponse(Buffer.alloc(0), 0x9000) // SELECT
    }
}

/** Accepts a CMS over the challenge it is given; or refuses as told. */
class FakeVerifier implements SaleVerifier {
    refusal: Error | null = null
    readonly seen: { challenge: Buffer; now: number }[] = []
    async verify(cms: Buffer, challenge: Buffer, nowSeconds: number) {
        this.seen.push({ challenge, now: nowSeconds })
        if (this.refusal !== null) throw this.refusal
        if (!cms.subarray(4, 4 + challenge.length).equals(challenge)) throw new VendingRefusal(7, "NOT OUR CHALLENGE")
        return { serial: "01ab23", holder: "Minsu Park" }
    }
}

class Keys {
    constructor(readonly queue: string[]) {}
    async nextKey(): Promise<string> {
        return this.queue.shift() ?? ""
    }
}

interface Machine {
    app: VendingApp
    card: ScriptedCard
    verifier: FakeVerifier
    settings: MemorySettings
    log: SalesLog
    shown: string[]
    states: string[]
    dispensed: number[]
    keys: Keys
    clock: { now: number }
    output: { ready: boolean }
}

/** A machine over `settings` (its flash survives a reboot); `dispense` replaces the output. */
async function machine(o: { settings?: MemorySettings; keys?: string; dispense?: (slot: number) => Promise<void>; capacity?: number } = {}): Promise<Machine> {
    const settings = o.settings ?? new MemorySettings()
    const card = new ScriptedCard()
    const verifier = new FakeVerifier()
    const shown: string[] = []
    const states: string[] = []
    const dispensed: number[] = []
    const keys = new Keys((o.keys ?? "2#").split(""))
    const clock = { now: NOW }
    const outputThere = { ready: true }
    const log = new SalesLog(settings, o.capacity ?? 4)
    const app = new VendingApp(
        {
            display: { show: (t) => shown.push(t) },
            keypad: keys,
            reader: { waitForCard: async () => card.inSight, card: () => new ApduCardPort(card, 64) },
            clock: { now: async () => clock.now },
            dispenser: {
                ready: () => outputThere.ready,
            dispense:
                o.dispense ??
                (async (slot) => {
                    expect(settings.values.get(KEY_PENDING)?.length, "pending record stored before the output moves").toBeGreaterThan(0)
                    dispensed.push(slot)
                }),
            },
        },
        log,
        verifier,
        (n) => randomBytes(n),
        { machineId: "VM000001", currency: 410, items: parseSlots(DEFAULT_SLOTS), promptTimeoutMs: 3000, pollMs: 500, displayColumns: 20 },
        (line) => states.push(line.replace(/^vending: /, "")),
    )
    await app.boot()
    return { app, card, verifier, settings, log, shown, states, dispensed, keys, clock, output: outputThere }
}

function expectFits(shown: string[]): void {
    for (const s of shown) for (const l of s.split("\n")) expect(l.length, s).toBeLessThanOrEqual(20)
}

describe("a sale", () => {
    test("item, confirm, card, verified, dispensed once, logged, pending cleared", async () => {
        const m = await machine()
        const outcome = await m.app.sale(1000)
        expect(outcome, JSON.stringify(m.shown)).toEqual({ dispensed: true, code: "OK", message: "TAKE YOUR ITEM\nCIDER" })
        expect(m.states).toEqual(["IDLE -> ITEM", "ITEM -> CARD", "CARD -> VERIFYING", "VERIFYING -> DISPENSING", "DISPENSING -> DONE"])
        expect(m.app.state).toBe(VEND_DONE)
        expect(m.dispensed).toEqual([2])
        expect(m.shown).toContain("2 CIDER\n1,500 KRW\n# BUY  * BACK")
        expect(m.shown).toContain("POINT CARD AT IR\nCIDER 1,500 KRW")
        expect(m.shown).toContain("CONFIRM ON CARD\nCIDER 1,500 KRW")
        expectFits(m.shown)
        // The card got the challenge, chained, and the verifier judged the signature over it.
        const sent = m.card.histories[0].toString()
        expect(sent).toMatch(/^ACTIVECARD HISTORY 1\nID [0-9a-f]{24}\nBY VENDING VM000001\nAT 2026-12-05T21:57:16Z\n- ITEM 2 CIDER\n- PRICE 1500 KRW\n$/)
        expect(m.verifier.seen[0].challenge.toString()).toBe(sent)
        expect(m.verifier.seen[0].now).toBe(NOW)
        // Logged durably, every write verified, the pending record gone.
        const lines = await m.log.unsent(10)
        expect(lines).toHaveLength(1)
        expect(lines[0]).toBe(`0 DISPENSED ${sent.split("\n")[1].slice(3)} 2 1500 410 01ab23 2026-12-05T21:57:16Z`)
        expect(m.settings.values.get(KEY_PENDING)?.length ?? 0).toBe(0)
        expect(m.settings.writes).toEqual(["vs.pending", "vs.log0", "vs.head", "vs.pending"])
        expect(m.settings.verified).toEqual(m.settings.writes)
    })

    test("each sale has a fresh nonce; the log takes them in order", async () => {
        const m = await machine({ keys: "2#" })
        expect((await m.app.sale(1000))!.dispensed).toBe(true)
        m.keys.queue.push("1", "#") // (the keys typed while the card is asked go nowhere)
        expect((await m.app.sale(1000))!.dispensed).toBe(true)
        const ids = m.card.histories.map((h) => h.toString().split("\n")[1])
        expect(ids[0]).not.toBe(ids[1])
        expect(m.dispensed).toEqual([2, 1])
        expect((await m.log.unsent(10)).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["0 DISPENSED", "1 DISPENSED"])
    })

    test("no key, an unknown slot, or another key than # at the item: nothing happens", async () => {
        for (const keys of ["", "7", "2*", "25"]) {
            const m = await machine({ keys })
            expect(await m.app.sale(10)).toBeNull()
            expect(m.card.n).toBe(0)
        }
    })
})

describe("refusals: nothing dispensed, nothing logged", () => {
    async function refused(setup: (m: Machine) => void, keys = "2#") {
        const m = await machine({ keys })
        setup(m)
        const outcome = (await m.app.sale(1000))!
        expect(outcome.dispensed).toBe(false)
        expect(m.app.state).toBe(VEND_REFUSED)
        expect(outcome.message).toMatch(/NOTHING DISPENSED$/)
        expect(m.dispensed).toEqual([])
        expect(m.settings.writes).toEqual([])
        expectFits(m.shown)
        return { outcome, m }
    }

    for (const [code, text] of [
        [8, "CARD REVOKED"],
        [9, "NO FRESH STATUS"],
        [3, "CERT EXPIRED"],
        [1, "WRONG CA"],
        [7, "NOT OUR CHALLENGE"],
    ] as const) {
        test(`the verifier's refusal ${text} is shown`, async () => {
            const { outcome } = await refused((m) => (m.verifier.refusal = new VendingRefusal(code, text)))
            expect(outcome.code).toBe(text)
            expect(outcome.message).toBe(text + "\nNOTHING DISPENSED")
        })
    }

    test("a verifier that fails otherwise (garbage CMS) refuses too", async () => {
        const { outcome } = await refused((m) => (m.verifier.refusal = new FormatError("bad DER")))
        expect(outcome.message).toBe("CANNOT VERIFY\nNOTHING DISPENSED")
    })

    test("a signature over another challenge (replay) is refused", async () => {
        // The card answers with the CMS over the previous sale's challenge.
        const { outcome } = await refused((m) => {
            const old = vendingChallenge("00112233445566778899aabb", "VM000001", NOW - 60, { slot: 2, name: "CIDER", price: 1500 })
            const inner = m.card.transceive.bind(m.card)
            m.card.transceive = async (apdu) => {
                if (apdu[1] === 0x2a) m.card.histories.push(old)
                const r = await inner(apdu)
                if (apdu[1] === 0x2a) m.card.histories.push(old)
                return r
            }
        })
        expect(outcome.code).toBe("NOT OUR CHALLENGE")
    })

    test("the card pulled away while the challenge goes to it", async () => {
        const { outcome } = await refused((m) => (m.card.dropOn = 0x2a))
        expect(outcome.message).toBe("CARD LOST\nNOTHING DISPENSED")
    })

    test("the card pulled away while the holder confirms, and not back in time", async () => {
        const { outcome, m } = await refused((m) => (m.card.dropOn = 0x2c))
        expect(outcome.message).toBe("CARD LOST\nNOTHING DISPENSED")
        expect(m.shown).toContain("CARD OUT OF SIGHT\nPOINT CARD AT IR")
    })

    test("the card pulled away in the middle of the CMS's parts", async () => {
        const { outcome } = await refused((m) => (m.card.dropOn = 0xc0)) // the GET RESPONSE after the first part
        expect(outcome.message).toBe("CARD LOST\nNOTHING DISPENSED")
    })

    test("garbage from the card", async () => {
        for (const ins of [0x2a, 0x2c, 0xc0]) {
            const { outcome } = await refused((m) => (m.card.garbageOn = ins))
            expect(outcome.message).toBe("BAD ANSWER FROM CARD\nNOTHING DISPENSED")
        }
    })

    test("error status words from the card", async () => {
        for (const [sw, text] of [
            [0x6982, "WRONG PASSWORD OR CANCELLED"],
            [0x6983, "SIGNING LOCKED ON CARD"],
            [0x6f00, "CARD ERROR 6F00"],
        ] as const) {
            const { outcome } = await refused((m) => (m.card.final = sw))
            expect(outcome.message).toBe(text + "\nNOTHING DISPENSED")
        }
    })

    test("no card in time, and a holder who never confirms", async () => {
        expect((await refused((m) => (m.card.inSight = false))).outcome.message).toBe("NO CARD\nNOTHING DISPENSED")
        expect((await refused((m) => (m.card.polls = 100))).outcome.message).toBe("NO SIGNATURE IN TIME\nNOTHING DISPENSED")
    })

    test("'*' while waiting for the card cancels", async () => {
        const { outcome } = await refused((m) => {
            m.card.inSight = false
            m.keys.queue.push("*")
        })
        expect(outcome).toMatchObject({ code: "CANCELLED", message: "CANCELLED\nNOTHING DISPENSED" })
    })

    test("a clock that lost its time: no challenge goes out", async () => {
        const { outcome, m } = await refused((m) => (m.clock.now = -1))
        expect(outcome.message).toBe("CLOCK NOT SET\nNOTHING DISPENSED")
        expect(m.card.n).toBe(0)
    })

    test("no dispense output: out of service before the card is asked", async () => {
        const { outcome, m } = await refused((m) => (m.output.ready = false))
        expect(outcome).toMatchObject({ code: "OUTPUT", message: "OUT OF SERVICE\nNO DISPENSE OUTPUT\nNOTHING DISPENSED" })
        expect(m.card.n).toBe(0)
    })

    test("the pending record cannot be stored: nothing dispensed", async () => {
        const settings = new MemorySettings()
        settings.write = async () => {
            throw new Error("flash full")
        }
        const m = await machine({ settings })
        const outcome = (await m.app.sale(1000))!
        expect(outcome).toMatchObject({ dispensed: false, code: "STORAGE", message: "STORAGE FAULT\nNOTHING DISPENSED" })
        expect(m.dispensed).toEqual([])
    })
})

describe("power cuts and faults around the dispense", () => {
    test("a power cut while the output moves: at boot no second dispense, the sale logged UNCONFIRMED", async () => {
        const settings = new MemorySettings()
        let pulses = 0
        let cut: () => void = () => {}
        const cutHere = new Promise<void>((r) => (cut = r))
        const first = await machine({
            settings,
            dispense: () => {
                pulses++
                cut()
                return new Promise<void>(() => {}) // the power goes: this never ends
            },
        })
        void first.app.sale(1000)
        await cutHere
        const nonce = first.card.histories[0].toString().split("\n")[1].slice(3)
        // Reboot over the same flash.
        const second = await machine({ settings, keys: "" })
        expect(pulses).toBe(1)
        expect(second.dispensed).toEqual([])
        expect(second.shown.at(-1)).toBe("SALE UNCONFIRMED\nSLOT 2 1,500 KRW\nLOGGED FOR CHECK")
        expect(await second.log.unsent(10)).toEqual([`0 ${STATUS_UNCONFIRMED} ${nonce} 2 1500 410 01ab23 2026-12-05T21:57:16Z`])
        expect(settings.values.get(KEY_PENDING)?.length ?? 0).toBe(0)
        // A second boot finds nothing more to settle; the next sale goes on after it.
        const third = await machine({ settings })
        expect(third.shown).toEqual([])
        expect((await third.app.sale(1000))!.dispensed).toBe(true)
        expect((await third.log.unsent(10)).map((l) => l.split(" ")[1])).toEqual([STATUS_UNCONFIRMED, STATUS_DISPENSED])
    })

    test("a power cut after the sale was logged but before the pending record was cleared: logged once", async () => {
        const settings = new MemorySettings()
        const write = settings.write.bind(settings)
        let cut: () => void = () => {}
        const cutHere = new Promise<void>((r) => (cut = r))
        settings.write = async (key, value, verify) => {
            if (key === KEY_PENDING && value.length === 0) {
                cut()
                return new Promise<void>(() => {})
            }
            return write(key, value, verify)
        }
        const first = await machine({ settings })
        void first.app.sale(1000)
        await cutHere
        settings.write = write
        const second = await machine({ settings, keys: "" })
        expect(second.shown).toEqual([])
        expect((await second.log.unsent(10)).map((l) => l.split(" ")[1])).toEqual([STATUS_DISPENSED])
        expect(settings.values.get(KEY_PENDING)?.length ?? 0).toBe(0)
    })

    test("an output that fails: the sale is logged UNCONFIRMED at once, not retried", async () => {
        let pulses = 0
        const m = await machine({
            dispense: async () => {
                pulses++
                throw new Error("relay driver fault")
            },
        })
        const outcome = (await m.app.sale(1000))!
        expect(outcome).toMatchObject({ dispensed: false, code: "UNCONFIRMED", message: "DISPENSE FAULT\nSALE UNCONFIRMED" })
        expect(pulses).toBe(1)
        expect((await m.log.unsent(10)).map((l) => l.split(" ")[1])).toEqual([STATUS_UNCONFIRMED])
    })

    test("the log full of sales not uploaded: out of service, nothing overwritten; uploading frees it", async () => {
        const m = await machine({ keys: "", capacity: 4 })
        const buy = async () => {
            m.keys.queue.push("1", "#")
            return (await m.app.sale(1000))!
        }
        for (let i = 0; i < 4; i++) expect((await buy()).dispensed).toBe(true)
        const full = (await m.app.sale(1000))!
        expect(full).toMatchObject({ dispensed: false, code: "LOG FULL" })
        expect(m.dispensed).toHaveLength(4)
        expect(await m.log.unsent(10)).toHaveLength(4)
        await m.log.markSent(2)
        expect(m.log.free()).toBe(2)
        m.keys.queue.length = 0
        expect((await buy()).dispensed).toBe(true)
        expect((await m.log.unsent(10)).map((l) => l.split(" ")[0])).toEqual(["2", "3", "4"])
        expect(m.settings.values.has("vs.log4")).toBe(false) // the ring reused vs.log0
    })
})

describe("the machine's items and challenge", () => {
    test("slots from settings text, refused when malformed", () => {
        expect(parseSlots("1:1500:COLA;9:100:A, B and C")).toEqual([
            { slot: 1, name: "COLA", price: 1500 },
            { slot: 9, name: "A, B and C", price: 100 },
        ])
        for (const bad of ["", "0:1:X", "1:1:X;1:2:Y", "10:1:X", "1:0:X", "1:1000000000:X", "1:1:", "1:1: X", "1:x:X", "1:1:" + "N".repeat(21), "1:1:caf\u00e9"]) {
            expect(() => parseSlots(bad), bad).toThrow(FormatError)
        }
    })

    test("the challenge refuses a machine ID outside the format", () => {
        const item = { slot: 1, name: "COLA", price: 1500 }
        expect(vendingChallenge("00112233445566778899aabb", "VM-1", NOW, item).toString()).toContain("BY VENDING VM-1\n")
        for (const id of ["", "vm1", "VM 1", "V".repeat(25)]) expect(() => vendingChallenge("00112233445566778899aabb", id, NOW, item), id).toThrow(FormatError)
    })
})
