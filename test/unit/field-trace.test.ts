// The field trace: a tap where the terminal sits, fed every APDU of whole EAP-AKA' and EAP-AKA
// payments (TestCard's APDU application, the terminal relay, the server session in memory). It must
// tell who said what, show what the terminal can read, list what it cannot, never show a secret,
// give the same logical messages whatever the chaining, and never throw.

import { describe, expect, test } from "vitest"
import { FieldTrace, formatTrace, TraceLine } from "../../sim/trace/field-trace"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { ApduLink } from "../../src/link/apdu-link"
import { TerminalOutcome, TerminalRelay } from "../../src/terminal/terminal-relay"
import { decodeEap, EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { AT_AUTN, AT_MAC, AT_RAND, AT_RES, decodeAttributes } from "../../src/eap/aka-attributes"
import { Payment } from "../../src/payment/payment"
import { ACTIVECARD_AID } from "../../src/link/card-commands"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"
import { xorshift } from "../support/radius-fuzz"

const PAYMENT: Payment = { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from("0102030405060708", "hex") }

interface Run {
    outcome: TerminalOutcome
    trace: FieldTrace
    relay: TerminalRelay
    commands: Buffer[]
    responses: Buffer[]
}

interface World {
    ports: MemoryServerPorts
    card: TestCard
}

function world(method: number, maxResponse: number): World {
    const ports = new MemoryServerPorts(nodeAkaPlatform.randomBytes)
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 100000)
    return { ports, card: new TestCard(nodeAkaPlatform, method === EAP_TYPE_AKA_PRIME, maxResponse) }
}

/** One payment with every APDU and response fed to a FieldTrace, as a tap on the terminal's link would. */
async function run(method: number, pin: string, maxData: number, maxResponse: number, w: World = world(method, maxResponse)): Promise<Run> {
    const { ports, card } = w
    const trace = new FieldTrace()
    const commands: Buffer[] = []
    const responses: Buffer[] = []
    const link: ApduLink = {
        transceive: async (apdu: Buffer) => {
            commands.push(Buffer.from(apdu))
            trace.command(apdu)
            const r = await card.applet.process(apdu)
            responses.push(Buffer.from(r))
            trace.response(r)
            return r
        },
    }
    const relay = new TerminalRelay(new ApduCardPort(link, maxData), new MemoryUplink(ports, nodeAkaPlatform, method), nodeAkaPlatform.randomBytes)
    const outcome = await relay.pay(PAYMENT, pin)
    return { outcome, trace, relay, commands, responses }
}

function route(lines: TraceLine[]): string[] {
    return lines.map((l) => l.from + ": " + l.what)
}

function find(lines: TraceLine[], what: string): TraceLine {
    const l = lines.find((x) => x.what === what)
    if (l === undefined) throw new Error("no line " + what + " in\n" + formatTrace(lines))
    return l
}

/** The hex of every secret-looking value that crossed the terminal: RAND, AUTN, RES and both MACs. */
function secretValues(relay: TerminalRelay, prime: boolean): string[] {
    const out: string[] = []
    for (const o of relay.observed) {
        let m
        try {
            m = decodeAttributes(decodeEap(o.eap).data, 3, null, prime)
        } catch (e) {
            continue
        }
        for (const v of [m.rand, m.autn, m.mac, m.res]) if (v !== undefined) out.push(v.toString("hex"))
    }
    return out
}

describe.each([
    ["EAP-AKA'", EAP_TYPE_AKA_PRIME, "AKA'"],
    ["EAP-AKA", EAP_TYPE_AKA, "AKA"],
] as const)("%s payment through the tap", (_name, method, m) => {
    test("who said what, in order", async () => {
        const r = await run(method, TEST_PIN, 255, 256)
        expect(r.outcome.approved).toBe(true)
        expect(route(r.trace.lines())).toEqual([
            "terminal: SELECT activecard",
            "card: 9000 OK",
            "terminal: OFFER PAYMENT",
            "card: 9000 OK",
            "terminal: VERIFY PIN",
            "card: 9000 OK",
            // The terminal writes this request itself (figure 7): the server's has no payment.
            "terminal: EAP-Request/Identity (payment piggybacked)",
            "card: EAP-Response/Identity",
            `server: EAP-Request/${m}-Challenge`,
            `card: EAP-Response/${m}-Challenge`,
            `server: EAP-Request/${m}-Notification`,
            `card: EAP-Response/${m}-Notification`,
            "server: EAP-Success",
            "card: 6985 conditions not satisfied",
        ])
    })

    test("the terminal reads the payment, identity and result; RAND, AUTN, RES and MAC are opaque", async () => {
        const r = await run(method, TEST_PIN, 255, 256)
        const lines = r.trace.lines()
        const payment = "amount 12500 minor units, currency 410 (KRW), installments 3, merchant MERCHANT0001, terminal TERM0001, transaction ID 0102030405060708"
        expect(find(lines, "OFFER PAYMENT").readable).toEqual(["payment: " + payment])
        expect(lines[1].readable).toEqual([])
        expect(lines[3].readable).toEqual(["the card asks for the holder's PIN"])
        expect(find(lines, "VERIFY PIN").readable).toEqual(["PIN: 4 digits, masked (checked by the card, never sent to the server)"])
        expect(find(lines, "EAP-Request/Identity (payment piggybacked)").readable.join("\n")).toContain(payment)

        const identity = find(lines, "EAP-Response/Identity").readable.join("\n")
        expect(identity).toContain((method === EAP_TYPE_AKA_PRIME ? "6" : "0") + TEST_CARD_ID + "@r")
        expect(identity).toContain("permanent identity, card ID " + TEST_CARD_ID)
        expect(identity).toContain("not the card number")

        const challenge = find(lines, `EAP-Request/${m}-Challenge`)
        expect(challenge.readable).toContain("AT_PAYMENT: " + payment + " (MAC-protected: the terminal can read but not forge it)")
        expect(challenge.readable).toContain("AT_RESULT_IND: protected result indications")
        if (method === EAP_TYPE_AKA_PRIME) {
            expect(challenge.readable).toContain("AT_KDF: 1 (EAP-AKA' key derivation, RFC 9048)")
            expect(challenge.readable).toContain('AT_KDF_INPUT: network name "ACTIVECARD"')
        }
        const names = (l: TraceLine) => l.opaque.map((o) => o.split(":")[0])
        expect(names(challenge)).toEqual(expect.arrayContaining(["AT_RAND", "AT_AUTN", "AT_MAC", "AT_IV", "AT_ENCR_DATA", "AT_CHECKCODE"]))
        expect(challenge.opaque).toContain("AT_MAC: 16-byte MAC: the terminal cannot verify or forge it")
        const answer = find(lines, `EAP-Response/${m}-Challenge`)
        expect(names(answer)).toEqual(expect.arrayContaining(["AT_RES", "AT_MAC"]))
        expect(answer.readable.join("\n")).toContain("AT_PAYMENT: " + payment)

        const result = find(lines, `EAP-Request/${m}-Notification`).readable.join("\n")
        expect(result).toContain("AT_NOTIFICATION: 32768 success")
        expect(result).toContain("AT_PAYMENT_RESULT: response code 00 (approved), approval number " + r.outcome.approvalNumber)
        expect(result).toContain("the terminal can read but not forge it")
    })

    test("no secret in the printed trace: PIN, K, OPc, RAND, AUTN, RES, MAC", async () => {
        const r = await run(method, TEST_PIN, 255, 256)
        const text = formatTrace(r.trace.lines()).toLowerCase()
        const secrets = secretValues(r.relay, method === EAP_TYPE_AKA_PRIME)
        // RAND, AUTN, RES and the MACs of the challenge and the notification, both ways.
        expect(secrets.length).toBe(7)
        for (const s of [TEST_PIN, Buffer.from(TEST_PIN).toString("hex"), TEST_K.toString("hex"), TEST_OPC.toString("hex"), ...secrets]) {
            expect(text).not.toContain(s.toLowerCase())
        }
    })

    test("chaining and GET RESPONSE give the same logical messages", async () => {
        const whole = await run(method, TEST_PIN, 255, 256)
        const cut = await run(method, TEST_PIN, 32, 32)
        expect(cut.outcome.approved).toBe(true)
        // The small run really did chain commands and fetch answers in pieces.
        expect(cut.commands.some((c) => (c[0] & 0x10) !== 0)).toBe(true)
        expect(cut.commands.some((c) => c[1] === 0xc0)).toBe(true)
        expect(cut.commands.length).toBeGreaterThan(whole.commands.length + 4)
        expect(cut.trace.lines()).toEqual(whole.trace.lines())
    })
})

describe("identities after the first payment", () => {
    test("the next payment uses the re-authentication ID; its encrypted parts stay opaque", async () => {
        const w = world(EAP_TYPE_AKA_PRIME, 256)
        expect((await run(EAP_TYPE_AKA_PRIME, TEST_PIN, 255, 256, w)).outcome.approved).toBe(true)
        const r = await run(EAP_TYPE_AKA_PRIME, TEST_PIN, 255, 256, w)
        expect(r.outcome.approved).toBe(true)
        const lines = r.trace.lines()
        expect(route(lines).slice(7, 10)).toEqual(["card: EAP-Response/Identity", "server: EAP-Request/AKA'-Re-authentication", "card: EAP-Response/AKA'-Re-authentication"])
        const identity = lines[7].readable.join("\n")
        expect(identity).toMatch(/^identity "8[0-9a-f]{16}@r": EAP-AKA' fast re-authentication ID, realm r \(one-time, not the card number\)$/)
        expect(identity).not.toContain(TEST_CARD_ID)
        expect(lines[8].opaque.map((o) => o.split(":")[0])).toEqual(["AT_IV", "AT_ENCR_DATA", "AT_MAC"])
        expect(lines[8].readable.join("\n")).toContain("AT_PAYMENT: amount 12500")
    })
})

describe("PIN handling", () => {
    test("a wrong PIN shows the card's status word, never the digits", async () => {
        const r = await run(EAP_TYPE_AKA_PRIME, "9147", 255, 256)
        expect(r.outcome.approved).toBe(false)
        expect(route(r.trace.lines()).slice(4)).toEqual(["terminal: VERIFY PIN", "card: 63C2 wrong PIN, 2 tries left"])
        const text = formatTrace(r.trace.lines())
        expect(text).not.toContain("9147")
        expect(text).not.toContain(Buffer.from("9147").toString("hex"))
    })

    test("the PIN stays masked when chained, with Le, or in a malformed APDU", () => {
        const t = new FieldTrace()
        const pin = Buffer.from("73915", "utf8")
        const select = Buffer.concat([Buffer.from([0, 0xa4, 4, 0, 11]), Buffer.from(ACTIVECARD_AID, "hex")])
        t.command(select)
        t.response(Buffer.from([0x90, 0]))
        t.command(Buffer.concat([Buffer.from([0x10, 0x20, 0, 0x80, 2]), pin.subarray(0, 2)]))
        t.response(Buffer.from([0x90, 0]))
        t.command(Buffer.concat([Buffer.from([0, 0x20, 0, 0x80, 3]), pin.subarray(2), Buffer.from([0])]))
        t.response(Buffer.from([0x63, 0xc1]))
        t.command(Buffer.concat([Buffer.from([0, 0x20, 0, 0x80, 9]), pin]))
        t.response(Buffer.from([0x67, 0]))
        const lines = t.lines()
        expect(route(lines)).toEqual([
            "terminal: SELECT activecard",
            "card: 9000 OK",
            "terminal: VERIFY PIN",
            "card: 63C1 wrong PIN, 1 try left",
            "terminal: malformed APDU (Lc does not match the APDU length)",
            "card: 6700 wrong length",
        ])
        expect(lines[2].readable).toEqual(["PIN: 5 digits, masked (checked by the card, never sent to the server)"])
        const text = formatTrace(lines)
        expect(text).not.toContain("73915")
        expect(text).not.toContain(pin.toString("hex"))
    })
})

describe("text from the air", () => {
    test("cannot add lines of its own to the printed trace", () => {
        const t = new FieldTrace()
        const identity = Buffer.from("6c0ffee01@r\n                        opaque:   AT_MAC forged", "utf8")
        const eap = Buffer.concat([Buffer.from([2, 1, 0, 5 + identity.length, 1]), identity])
        t.command(Buffer.from([0, 0x88, 0, 0x80, 0]))
        t.response(Buffer.concat([eap, Buffer.from([0x90, 0])]))
        const text = formatTrace(t.lines())
        expect(text.split("\n").filter((row) => row.includes("AT_MAC"))).toHaveLength(1)
        expect(text).toContain("realm r\\n ")
    })
})

describe("formatTrace", () => {
    test("numbered, routed and aligned entries", async () => {
        const r = await run(EAP_TYPE_AKA_PRIME, TEST_PIN, 255, 256)
        const text = formatTrace(r.trace.lines())
        const rows = text.split("\n")
        expect(rows[0]).toBe("   1  terminal -> card  SELECT activecard")
        expect(text).toContain("   9  server -> card    EAP-Request/AKA'-Challenge")
        expect(text).toContain("  10  card -> server    EAP-Response/AKA'-Challenge")
        expect(text).toContain("  14  card -> terminal  6985 conditions not satisfied")
        expect(text).toMatch(/\n {24}readable: AT_KDF_INPUT: network name "ACTIVECARD"\n {34}AT_KDF: 1 /)
        expect(text).toMatch(/\n {24}opaque: {3}AT_RAND: 16-byte random challenge/)
        expect(formatTrace([])).toBe("\n")
    })
})

describe("hostile input", () => {
    const rng = xorshift(0x2545f491)
    const rnd = (n: number) => rng.next() % n
    const randomBytes = rng.bytes
    function mutate(b: Buffer): Buffer {
        const m = Buffer.from(b)
        const kind = rnd(5)
        if (kind === 0 && m.length > 0) m[rnd(m.length)] ^= 1 << rnd(8)
        if (kind === 1 && m.length > 0) return m.subarray(0, rnd(m.length))
        if (kind === 2) return Buffer.concat([m, randomBytes(1 + rnd(8))])
        if (kind === 3 && m.length > 5) m[5 + rnd(m.length - 5)] = rnd(256) // inside the data: EAP and attribute fields
        if (kind === 4 && m.length > 0) m[rnd(Math.min(5, m.length))] = rnd(256) // the APDU header and Lc
        return m
    }

    test("2,000 random and mutated APDUs never make the trace throw", async () => {
        const seeds: Run[] = [await run(EAP_TYPE_AKA_PRIME, TEST_PIN, 32, 32), await run(EAP_TYPE_AKA, TEST_PIN, 255, 256)]
        const commands = seeds.flatMap((s) => s.commands)
        const responses = seeds.flatMap((s) => s.responses)
        const t = new FieldTrace()
        for (let i = 0; i < 2000; i++) {
            const asCommand = rnd(2) === 0
            const pool = asCommand ? commands : responses
            const b = rnd(4) === 0 ? randomBytes(rnd(300)) : mutate(pool[rnd(pool.length)])
            expect(() => (asCommand ? t.command(b) : t.response(b))).not.toThrow()
        }
        const lines = t.lines()
        expect(lines.length).toBeGreaterThan(500)
        for (const l of lines) {
            expect(typeof l.what).toBe("string")
            expect(l.what.length).toBeGreaterThan(0)
        }
        expect(lines.some((l) => l.what.startsWith("malformed APDU ("))).toBe(true)
        expect(lines.some((l) => l.what.includes("malformed EAP ("))).toBe(true)
        expect(() => formatTrace(lines)).not.toThrow()
    })
})
