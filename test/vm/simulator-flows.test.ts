// The firmware's payment flows in the simulator: the compiled card and terminal bytecode in two
// DeviceScript VMs on the simulated bus, the real payment server over RADIUS/TCP, keys typed on the
// keypad, the card tapped and pulled away. Every flow runs over NFC and over infrared: the boards'
// chips emulated behind their I2C buses, the firmware's own drivers in the VMs (PN532, SC16IS750,
// HD44780 with its PCF8574 keypad, SSD1306). The abstract Card Link field (boards without those
// chips) gets the main flows too. The simulator holds its project's Jacdac port (vitest.config.ts;
// it waits for the port if another run holds it), and each suite stops every process it started.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { EAP_TYPE_AKA } from "../../src/eap/eap-packet"
import { buildFirmware, type Firmware } from "../../sim/simulator/firmware"
import type { SimLink } from "../../sim/simulator/boards"
import { Simulator } from "../../sim/simulator/simulator"
import { runSale } from "../../sim/simulator/sale"
import { formatTrace } from "../../sim/trace/field-trace"
import type { LedgerRecord } from "../../sim/db/storage"

let firmware: Firmware
/** test/vm/bus.test.ts also needs the bus port: wait for it rather than fail. */
const WAIT = 900_000
/** Several sales over the slowed simulated infrared line take a while. */
const FLOW_MS = 300_000
const CHIP_LINKS: SimLink[] = ["nfc", "infrared"]

beforeAll(async () => {
    firmware = await buildFirmware()
}, 180_000)

async function ledger(sim: Simulator): Promise<LedgerRecord[]> {
    return await sim.server!.store.ledger()
}

async function approvals(sim: Simulator): Promise<number> {
    return (await ledger(sim)).filter((r) => r.state === "final" && r.result.responseCode === "00").length
}

describe.sequential.each(["nfc", "infrared", "cardlink"] as SimLink[])("simulator over %s: EAP-AKA' card and server", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("an approved payment: approval on the terminal, the verified receipt on the card, final in the ledger", async () => {
        const r = await runSale(sim, { amount: 12500, months: 3, pin: sim.pin })
        expect(r.display, sim.terminalVm!.output().slice(-2000)).toMatch(/^APPROVED \d{6}\n12,500 KRW, 3 MONTHS$/)
        // Over the chips, the terminal's field reader says which link the card answered on.
        if (link !== "cardlink") expect(sim.terminalVm!.lines()).toContain("TERMINAL CARD ON " + link)
        const approval = r.display.split("\n")[0]
        expect(sim.cardDisplay.shown).toContain("PAY 12,500 KRW\n3 MONTHS\nMERCHANT0001")
        // The card's display follows its own VM's timing: give it a moment after the terminal's.
        await sim.waitFor(() => sim.cardDisplay.last === approval, 3000, "the card never showed its receipt", () => sim.cardDisplay.describe()).catch(() => {})
        expect(sim.cardDisplay.last).toBe(approval) // the card's receipt, received under AT_MAC
        expect(await ledger(sim)).toHaveLength(1)
        expect(await approvals(sim)).toBe(1)
        const whats = sim.fieldLines().map((l) => l.what)
        expect(whats).toContain("EAP-Request/AKA'-Challenge")
        expect(whats).toContain("EAP-Response/AKA'-Challenge")
        const text = formatTrace(sim.fieldLines())
        expect(text).not.toContain(sim.pin)
        expect(text).toMatch(/AT_MAC: 16-byte MAC/)
        // The terminal saw the card ID, never the card number.
        expect(text).not.toContain("9410000000000017")
    }, FLOW_MS)

    test("a wrong PIN: the card refuses, the terminal shows the tries left, nothing is approved", async () => {
        const wrong = sim.pin === "0000" ? "1111" : "0000"
        const r = await runSale(sim, { amount: 3000, months: 0, pin: wrong })
        expect(r.display).toMatch(/^WRONG PIN\n2 TRIES LEFT/)
        expect(sim.cardDisplay.last).toBe("WRONG PIN")
        expect(await approvals(sim)).toBe(1)
    }, FLOW_MS)

    test("the card pulled away mid-transaction: a clear message, no approval; the next tap pays exactly once", async () => {
        // The card already paid once, so the server now uses fast re-authentication: pull on whichever comes.
        const before = await approvals(sim)
        const r = await runSale(sim, { amount: 4000, months: 0, pin: sim.pin, pullWhen: (what) => /^EAP-Request\/AKA'-(Challenge|Re-authentication)/.test(what) })
        expect(r.display).toMatch(/^CARD REMOVED\nNOT APPROVED/)
        if (link === "cardlink") expect(sim.retransmissions).toBeGreaterThan(0) // the terminal tried again before giving up
        expect(await approvals(sim)).toBe(before)
        // The card closes the abandoned transaction on its side: no stale "PIN OK" on its display.
        await sim.waitFor(() => sim.cardDisplay.last === "NOT COMPLETED", 6000, "the card never showed NOT COMPLETED", () => sim.cardDisplay.describe())
        const again = await runSale(sim, { amount: 4000, months: 0, pin: sim.pin })
        expect(again.approved, again.display).toBe(true)
        expect(await approvals(sim)).toBe(before + 1)
    }, FLOW_MS)

    test("the server down: a clear message, no approval; back up, payments go through", async () => {
        const before = await approvals(sim)
        await sim.stopServer()
        const r = await runSale(sim, { amount: 5000, months: 0, pin: sim.pin })
        expect(r.display).toMatch(/^SERVER UNREACHABLE\nNOT APPROVED/)
        await sim.startServer()
        expect(await approvals(sim)).toBe(before)
        const again = await runSale(sim, { amount: 5000, months: 0, pin: sim.pin })
        expect(again.approved, again.display).toBe(true)
        expect(await approvals(sim)).toBe(before + 1)
    }, FLOW_MS)
})

describe.sequential.each(CHIP_LINKS)("simulator over %s: EAP-AKA (the server offers only EAP-AKA)", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link, methods: [EAP_TYPE_AKA], cardPrefersPrime: false })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("an approved payment over EAP-AKA", async () => {
        const r = await runSale(sim, { amount: 9900, months: 0, pin: sim.pin })
        expect(r.approved, r.display + "\n" + sim.terminalVm!.output().slice(-2000)).toBe(true)
        const whats = sim.fieldLines().map((l) => l.what)
        expect(whats).toContain("EAP-Request/AKA-Challenge")
        expect(whats).not.toContain("EAP-Request/AKA'-Challenge")
        expect(await approvals(sim)).toBe(1)
    }, FLOW_MS)
})

describe.sequential.each(CHIP_LINKS)("simulator over %s: the PIN lock survives a card reboot", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("three wrong PINs lock the card; after a power cycle it is still locked, even for the right PIN", async () => {
        const wrong = sim.pin === "0000" ? "1111" : "0000"
        expect((await runSale(sim, { amount: 1000, months: 0, pin: wrong })).display).toMatch(/^WRONG PIN\n2 TRIES LEFT/)
        expect((await runSale(sim, { amount: 1000, months: 0, pin: wrong })).display).toMatch(/^WRONG PIN\n1 TRIES LEFT/)
        expect((await runSale(sim, { amount: 1000, months: 0, pin: wrong })).display).toMatch(/^CARD LOCKED/)
        await sim.rebootCard()
        expect(sim.cardDisplay.last).toBe("CARD LOCKED")
        const r = await runSale(sim, { amount: 1000, months: 0, pin: sim.pin })
        expect(r.display).toMatch(/^CARD LOCKED\nPIN TRIES EXCEEDED/)
        expect(await approvals(sim)).toBe(0)
    }, FLOW_MS)
})

describe.sequential.each(CHIP_LINKS)("simulator over %s: a tampering terminal", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link, tamper: true })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("the amount altered on the way to the server is refused by the card and declined", async () => {
        const r = await runSale(sim, { amount: 12500, months: 0, pin: sim.pin })
        expect(sim.proxy!.altered).toBeGreaterThan(0)
        expect(r.approved).toBe(false)
        expect(r.display).toMatch(/^DECLINED|NOT APPROVED/m)
        // The card saw the server's (altered) view in the MAC-protected challenge and did not confirm it.
        const challenge = sim.fieldLines().find((l) => l.what === "EAP-Request/AKA'-Challenge")
        expect(challenge?.readable.join(" ")).toContain("amount 125000")
        expect(await approvals(sim)).toBe(0)
        expect((await ledger(sim)).filter((x) => x.state !== "reversed" && x.result.responseCode === "00")).toHaveLength(0)
    }, FLOW_MS)
})
