// The transaction terminal's signing mode (src/terminal/sign-mode.ts) against a card stand-in over
// APDUs (test/support/signing-card-standin.ts, chained both ways) and a fake service provider:
// the happy path in its named states, and every fault with its message on the 20-column display
// and the signature forwarded at most once.

import { describe, expect, test } from "vitest"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { encodeHistory } from "../../src/certificate/transaction-history"
import { CLA_CHAINING } from "../../src/link/apdu"
import { INS_GET_RESPONSE, INS_GET_SIGNATURE, INS_SIGN_HISTORY } from "../../src/link/card-commands"
import { historyId, ServiceRefusedError, ServiceUnreachableError, SignMode, SignOutcome, SignUplink } from "../../src/terminal/sign-mode"
import { formValue } from "../../src/terminal/service-uplink"
import { APP_RESULT, TerminalApp } from "../../src/terminal/terminal-app"
import { SigningCardStandIn, type ScriptedHolder } from "../support/signing-card-standin"

const HISTORY = encodeHistory({
    id: "TABC123",
    by: "activecard Demo Bank",
    at: "2026-12-05T21:57:16Z",
    phone: "+821012345678",
    lines: ["Pay 15,000 KRW", "to 220-987-654321 (Minsu Park)", "at terminal TERM0001", "from 110-234-567890"],
})
/** A stand-in signature long enough to take several responses. */
const sign = (h: Buffer) => Buffer.concat([Buffer.from("CMS over "), h, Buffer.alloc(500, 0xa5)])

class FakeService implements SignUplink {
    readonly opened: { phone: string; amount: number; currency: number }[] = []
    readonly forwarded: { id: string; cms: Buffer }[] = []
    openFails: Error | null = null
    forwardFails: Error | null = null
    answer = "OK performed"

    async open(phone: string, amount: number, currency: number): Promise<Buffer> {
        this.opened.push({ phone, amount, currency })
        if (this.openFails !== null) throw this.openFails
        return HISTORY
    }

    async forward(id: string, cms: Buffer): Promise<string> {
        this.forwarded.push({ id, cms })
        if (this.forwardFails !== null) throw this.forwardFails
        return this.answer
    }
}

/** Keys typed in order; "" once they run out (a prompt that times out). Tests may push more. */
class Keys {
    constructor(readonly queue: string[]) {}
    async nextKey(): Promise<string> {
        return this.queue.shift() ?? ""
    }
}

interface Run {
    outcome: SignOutcome
    shown: string[]
    states: string[]
    card: SigningCardStandIn
    service: FakeService
}

async function run(o: { holder?: ScriptedHolder; keys?: string; card?: SigningCardStandIn; service?: FakeService; cardThere?: boolean; setup?: (card: SigningCardStandIn, keys: Keys) => void } = {}): Promise<Run> {
    const card = o.card ?? new SigningCardStandIn(sign, o.holder ?? { polls: 2, answer: "sign" }, 100)
    const service = o.service ?? new FakeService()
    const keys = new Keys((o.keys ?? "821012345678#15000#").split(""))
    o.setup?.(card, keys)
    const shown: string[] = []
    const states: string[] = []
    const mode = new SignMode(
        { show: (t) => shown.push(t) },
        keys,
        { waitForCard: async () => (o.cardThere ?? true) && card.inSight, card: () => new ApduCardPort(card, 64) },
        service,
        { currency: 410, promptTimeoutMs: 3000, pollMs: 500, displayColumns: 20 },
        (line) => states.push(line.replace(/^terminal sign: \S+ -> /, "")),
    )
    const outcome = await mode.sign()
    for (const s of shown) for (const l of s.split("\n")) expect(l.length, s).toBeLessThanOrEqual(20)
    return { outcome, shown, states, card, service }
}

describe("a transaction signed on the card", () => {
    test("phone, amount, history from the service, SIGN HISTORY chained, GET SIGNATURE until signed, forwarded once", async () => {
        const r = await run()
        expect(r.states).toEqual(["SIGN_PHONE", "SIGN_AMOUNT", "SIGN_FETCH", "SIGN_WAIT_CARD", "SIGN_SENDING", "SIGN_HOLDER", "SIGN_FORWARD", "SIGN_RESULT"])
        expect(r.service.opened).toEqual([{ phone: "+821012345678", amount: 15000, currency: 410 }])
        expect(r.card.shown).toEqual([HISTORY])
        // The history went in parts of 64 bytes, all but the last with the chaining bit.
        const signHistory = r.card.commands.filter((c) => c.ins === INS_SIGN_HISTORY)
        expect(signHistory.length).toBe(Math.ceil(HISTORY.length / 64))
        expect(signHistory.slice(0, -1).every((c) => c.cla === (0x80 | CLA_CHAINING) && c.lc === 64)).toBe(true)
        expect(signHistory.at(-1)!.cla).toBe(0x80)
        // Two polls answered 6985, then the CMS in responses of 100 bytes.
        expect(r.card.commands.filter((c) => c.ins === INS_GET_SIGNATURE).length).toBe(3)
        expect(r.card.commands.filter((c) => c.ins === INS_GET_RESPONSE).length).toBe(Math.ceil(sign(HISTORY).length / 100) - 1)
        expect(r.service.forwarded).toEqual([{ id: "TABC123", cms: sign(HISTORY) }])
        expect(r.outcome).toEqual({ performed: true, forwarded: true, message: "OK PERFORMED\n15,000 KRW" })
        expect(r.shown).toContain("SIGN: HOLDER PHONE\n+821012345678")
        expect(r.shown).toContain("SIGN: AMOUNT\n15,000 KRW")
        expect(r.shown).toContain("HOLDER SIGNS ON CARD\n15,000 KRW")
        expect(r.shown.at(-1)).toBe("OK PERFORMED\n15,000 KRW")
    })

    test("the service's refusal of the signature is shown with its reason", async () => {
        const service = new FakeService()
        service.answer = "REFUSED certificate revoked (keyCompromise)"
        const r = await run({ service })
        expect(r.outcome).toMatchObject({ performed: false, forwarded: true })
        expect(r.shown.at(-1)).toBe("REFUSED CERTIFICATE\nREVOKED\n(KEYCOMPROMISE)\n15,000 KRW")
        expect(service.forwarded.length).toBe(1)
    })
})

describe("the card's answers", () => {
    const cases: [string, ScriptedHolder, string, string][] = [
        ["wrong password or cancelled on the card (6982)", { polls: 1, answer: "wrong-password" }, "WRONG PASSWORD OR CANCELLED - NOT SIGNED", "WRONG PASSWORD OR\nCANCELLED\nNOT SIGNED"],
        ["signing locked (6983)", { polls: 0, answer: "locked" }, "SIGNING LOCKED ON CARD - NOT SIGNED", "SIGNING LOCKED ON\nCARD\nNOT SIGNED"],
        ["another status word, shown", { polls: 0, answer: { sw: 0x6f00 } }, "CARD ERROR 6F00 - NOT SIGNED", "CARD ERROR 6F00\nNOT SIGNED"],
        ["the holder does not finish in time", { polls: 100, answer: "sign" }, "NO SIGNATURE IN TIME - NOT SIGNED", "NO SIGNATURE IN TIME\nNOT SIGNED"],
    ]
    for (const [name, holder, message, shown] of cases) {
        test(name, async () => {
            const r = await run({ holder })
            expect(r.outcome).toEqual({ performed: false, forwarded: false, message })
            expect(r.shown.at(-1)).toBe(shown)
            expect(r.service.forwarded).toEqual([])
        })
    }

    test("a card without a certificate (6985) or a history it refuses (6A80) at SIGN HISTORY", async () => {
        const none = await run({ card: new SigningCardStandIn(null) })
        expect(none.shown.at(-1)).toBe("NO CERTIFICATE ON\nCARD\nNOT SIGNED")
        expect(none.card.commands.some((c) => c.ins === INS_GET_SIGNATURE)).toBe(false)
        const service = new FakeService()
        service.open = async () => Buffer.from("ACTIVECARD HISTORY 1\nID T1\nBY x\n")
        const bad = await run({ service })
        expect(bad.shown.at(-1)).toBe("CARD REFUSED HISTORY\nNOT SIGNED")
        expect(service.forwarded).toEqual([])
    })
})

describe("the card leaving infrared sight", () => {
    test("while the history goes over: card lost, nothing forwarded", async () => {
        const r = await run({ setup: (card) => (card.onCommand = (ins, n) => ins === INS_SIGN_HISTORY && n > 2 && (card.inSight = false)) })
        expect(r.outcome).toEqual({ performed: false, forwarded: false, message: "CARD LOST - NOT SIGNED" })
        expect(r.shown.at(-1)).toBe("CARD LOST\nNOT SIGNED")
        expect(r.service.forwarded).toEqual([])
    })

    test("for a moment while the holder signs: the terminal asks again and forwards once", async () => {
        const r = await run({
            setup: (card) =>
                (card.onCommand = (ins) => {
                    if (ins === INS_GET_SIGNATURE) card.inSight = card.commands.filter((c) => c.ins === INS_GET_SIGNATURE).length !== 2
                }),
        })
        expect(r.shown).toContain("CARD OUT OF SIGHT\nHOLD CARD TO READER")
        expect(r.outcome.performed).toBe(true)
        expect(r.service.forwarded.length).toBe(1)
    })

    test("in the middle of the signature's responses: the card starts it over, the terminal forwards it whole, once", async () => {
        let dropped = false
        const r = await run({
            holder: { polls: 0, answer: "sign" },
            setup: (card) =>
                (card.onCommand = (ins) => {
                    card.inSight = !(ins === INS_GET_RESPONSE && !dropped)
                    if (ins === INS_GET_RESPONSE) dropped = true
                }),
        })
        expect(dropped).toBe(true)
        expect(r.service.forwarded).toEqual([{ id: "TABC123", cms: sign(HISTORY) }])
        expect(r.outcome.performed).toBe(true)
    })

    test("for good while the holder signs: card lost after the prompt timeout, nothing forwarded", async () => {
        const r = await run({ setup: (card) => (card.onCommand = (ins) => ins === INS_GET_SIGNATURE && (card.inSight = false)) })
        expect(r.outcome.message).toBe("CARD LOST - NOT SIGNED")
        expect(r.card.commands.filter((c) => c.ins === INS_GET_SIGNATURE).length).toBe(6) // 3000 ms / 500 ms
        expect(r.service.forwarded).toEqual([])
    })

    test("no card at all", async () => {
        const r = await run({ cardThere: false })
        expect(r.shown.at(-1)).toBe("NO CARD - NOT SIGNED")
        expect(r.card.commands).toEqual([])
    })
})

describe("the service provider down or refusing", () => {
    test("unreachable when asked for the history: the card is never involved", async () => {
        const service = new FakeService()
        service.openFails = new ServiceUnreachableError("connection refused", false)
        const r = await run({ service })
        expect(r.shown.at(-1)).toBe("SERVICE UNREACHABLE\nNOT SIGNED")
        expect(r.card.commands).toEqual([])
    })

    test("refusing the request: its reason", async () => {
        const service = new FakeService()
        service.openFails = new ServiceRefusedError("REFUSED insufficient funds")
        const r = await run({ service })
        expect(r.shown.at(-1)).toBe("REFUSED INSUFFICIENT\nFUNDS\n15,000 KRW")
        expect(r.card.commands).toEqual([])
    })

    test("a history without a transaction ID is not passed to the card", async () => {
        const service = new FakeService()
        service.open = async () => Buffer.from("<html>oops</html>")
        const r = await run({ service })
        expect(r.shown.at(-1)).toBe("BAD ANSWER FROM\nSERVICE\nNOT SIGNED")
        expect(r.card.commands).toEqual([])
    })

    test("down when the signature is forwarded: not forwarded; the answer lost: outcome unknown; never sent twice", async () => {
        const down = new FakeService()
        down.forwardFails = new ServiceUnreachableError("connection refused", false)
        const a = await run({ service: down })
        expect(a.outcome).toEqual({ performed: false, forwarded: false, message: "SERVICE UNREACHABLE - NOT FORWARDED" })
        expect(down.forwarded.length).toBe(1)
        const lost = new FakeService()
        lost.forwardFails = new ServiceUnreachableError("timed out", true)
        const b = await run({ service: lost })
        expect(b.outcome).toEqual({ performed: false, forwarded: true, message: "NO ANSWER FROM SERVICE - OUTCOME UNKNOWN" })
        expect(lost.forwarded.length).toBe(1)
    })
})

describe("the operator", () => {
    test("'*' cancels at the phone and amount prompts, and while the holder signs", async () => {
        expect((await run({ keys: "*" })).outcome.message).toBe("CANCELLED")
        expect((await run({ keys: "8210#*" })).outcome.message).toBe("CANCELLED")
        expect((await run({ keys: "8210#15*" })).shown).toContain("SIGN: AMOUNT\n0 KRW") // '*' clears first
        const r = await run({ setup: (card, keys) => (card.onCommand = (ins) => ins === INS_SIGN_HISTORY && keys.queue.push("*")) })
        expect(r.outcome).toEqual({ performed: false, forwarded: false, message: "CANCELLED - NOT SIGNED" })
        expect(r.service.forwarded).toEqual([])
    })

    test("'B' at the sale's empty amount prompt runs the signing mode; after a digit it is ignored", async () => {
        const runs: string[] = []
        const make = (keys: string) => {
            const queue = keys.split("")
            const app = new TerminalApp(
                { show: () => {} },
                { nextKey: async () => queue.shift() ?? "" },
                { waitForCard: async () => false, card: () => new ApduCardPort(new SigningCardStandIn(null), 64) },
                { send: async () => Promise.reject(new Error("no payment expected")), inquire: async () => Promise.reject(new Error("no inquiry expected")) },
                () => Buffer.alloc(8),
                { terminalId: "TERM0001", merchantId: "MERCHANT0001", currency: 410, promptTimeoutMs: 10, displayColumns: 20 },
            )
            app.signMode = { run: async () => void runs.push(keys) }
            return app
        }
        expect(await make("B").sale()).toBeNull()
        expect(runs).toEqual(["B"])
        const app = make("1B00#")
        expect(await app.sale()).toBeNull() // 100, then the installments prompt times out: no signing mode
        expect(app.state).toBe(APP_RESULT)
        expect(runs).toEqual(["B"])
    })
})

describe("helpers", () => {
    test("historyId takes the second line's ID of a canonical history only", () => {
        expect(historyId(HISTORY)).toBe("TABC123")
        expect(historyId(Buffer.from("ACTIVECARD HISTORY 1\nID T-1\nBY x\n"))).toBe("T-1")
        expect(historyId(Buffer.from("ACTIVECARD HISTORY 1\nID T\r1\nBY x\n"))).toBe("")
        expect(historyId(Buffer.from("ACTIVECARD HISTORY 1\nID ../x\nBY x\n"))).toBe("")
        expect(historyId(Buffer.from("ACTIVECARD HISTORY 1\nID \nBY x\n"))).toBe("")
        expect(historyId(Buffer.from("ACTIVECARD HISTORY 1\nID " + "A".repeat(33) + "\nBY x\n"))).toBe("")
        expect(historyId(Buffer.from("HISTORY\nID T1\nBY x\n"))).toBe("")
    })

    test("formValue percent-encodes all but the unreserved characters", () => {
        expect(formValue("+82 10&x=y~._-Az9")).toBe("%2B82%2010%26x%3Dy~._-Az9")
        expect(new URLSearchParams("a=" + formValue("+8210 &=%")).get("a")).toBe("+8210 &=%")
    })
})
