// EAP-TLS payments in the simulator: the EAP-TLS card image (devices/card-tls) and the unchanged
// terminal image in two DeviceScript VMs on the simulated bus, the payment server offering EAP-TLS
// 1.3 with certificates from the issuer's CA, over NFC, infrared and the abstract Card Link field.
// A first payment runs the full handshake, the next resumes with a ticket; the terminal reads the
// hellos and nothing else. Faults: the card pulled away mid-handshake, the server down. The
// simulator holds its project's Jacdac port (vitest.config.ts).

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { buildFirmware, type Firmware } from "../../sim/simulator/firmware"
import type { SimLink } from "../../sim/simulator/boards"
import { Simulator } from "../../sim/simulator/simulator"
import { runSale } from "../../sim/simulator/sale"
import { formatTrace } from "../../sim/trace/field-trace"

let firmware: Firmware
const WAIT = 900_000
const FLOW_MS = 300_000
/** A full handshake over the emulated infrared line takes about 30 s on a quiet machine: the sale's own default. */
const SALE_MS = 120_000

beforeAll(async () => {
    firmware = await buildFirmware({ cardMethod: "tls" })
}, 180_000)

/** What crossed the field since `since`, and the last lines of both VMs: for a sale that failed. */
function saleDetail(sim: Simulator, since: number): string {
    return formatTrace(sim.fieldLines().slice(since)).slice(-6000) + "\nterminal VM:\n" + sim.terminalVm!.output().slice(-3000) + "\ncard VM:\n" + (sim.cardVm?.lines().slice(-30).join("\n") ?? "")
}

async function approvals(sim: Simulator): Promise<number> {
    return (await sim.server!.store.ledger()).filter((r) => r.state === "final" && r.result.responseCode === "00").length
}

describe.sequential.each(["nfc", "infrared", "cardlink"] as SimLink[])("simulator over %s: EAP-TLS card and server", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("a full handshake, then a resumed one: both approved, the receipts verified in the tunnel; the terminal reads only the hellos", async () => {
        const detail = () => sim.terminalVm!.output().slice(-2000) + "\ncard VM:\n" + (sim.cardVm?.lines().slice(-15).join("\n") ?? "")
        const first = await runSale(sim, { amount: 12500, months: 3, pin: sim.pin, timeoutMs: SALE_MS })
        expect(first.display, detail()).toMatch(/^APPROVED \d{6}\n12,500 KRW, 3 MONTHS$/)
        const approval = first.display.split("\n")[0]
        await sim.waitFor(() => sim.cardDisplay.last === approval, 3000, "the card never showed its receipt", () => sim.cardDisplay.describe()).catch(() => {})
        expect(sim.cardDisplay.last).toBe(approval)
        const full = formatTrace(sim.fieldLines())
        expect(full).toMatch(/EAP-Response\/TLS[\s\S]*ClientHello in the clear/)
        expect(full).toMatch(/protected record of \d+ bytes/)
        expect(full).not.toMatch(/resumes with a/)
        const fullLines = sim.fieldLines().length

        const second = await runSale(sim, { amount: 3000, months: 0, pin: sim.pin, timeoutMs: SALE_MS })
        expect(second.approved, second.display + "\n" + detail()).toBe(true)
        const resumedLines = sim.fieldLines().slice(fullLines)
        const resumed = formatTrace(resumedLines)
        expect(resumed).toMatch(/resumes with a \d+-byte ticket, offered once/)
        // No certificates this time: fewer messages cross.
        expect(resumedLines.length).toBeLessThan(fullLines)
        expect(await approvals(sim)).toBe(2)
        // Neither the PIN, the card ID nor the card number is readable.
        const all = formatTrace(sim.fieldLines())
        expect(all).not.toContain(sim.pin)
        expect(all).not.toContain("DEMO0001")
        expect(all).not.toContain("9410000000000017")
    }, FLOW_MS)

    if (link !== "nfc") return

    test("the card pulled away mid-handshake: a clear message, nothing approved; the next tap pays exactly once", async () => {
        const before = await approvals(sim)
        const r = await runSale(sim, { amount: 4000, months: 0, pin: sim.pin, timeoutMs: SALE_MS, pullWhen: (what) => what === "EAP-Request/TLS" })
        expect(r.display).toMatch(/^CARD REMOVED\nNOT APPROVED/)
        expect(await approvals(sim)).toBe(before)
        await sim.waitFor(() => sim.cardDisplay.last === "NOT COMPLETED", 6000, "the card never showed NOT COMPLETED", () => sim.cardDisplay.describe())
        const since = sim.fieldLines().length
        const again = await runSale(sim, { amount: 4000, months: 0, pin: sim.pin, timeoutMs: SALE_MS })
        expect(again.approved, again.display + "\n" + saleDetail(sim, since)).toBe(true)
        expect(await approvals(sim)).toBe(before + 1)
    }, FLOW_MS)

    test("the server down: a clear message, nothing approved", async () => {
        const before = await approvals(sim)
        await sim.stopServer()
        const r = await runSale(sim, { amount: 5000, months: 0, pin: sim.pin, timeoutMs: SALE_MS })
        expect(r.display).toMatch(/^SERVER UNREACHABLE\nNOT APPROVED/)
        await sim.startServer()
        expect(await approvals(sim)).toBe(before)
    }, FLOW_MS)

    test("back up after the server was down (new ticket keys: a full handshake): payments go through", async () => {
        const before = await approvals(sim)
        const since = sim.fieldLines().length
        const again = await runSale(sim, { amount: 5000, months: 0, pin: sim.pin, timeoutMs: SALE_MS })
        expect(again.approved, again.display + "\n" + saleDetail(sim, since)).toBe(true)
        expect(await approvals(sim)).toBe(before + 1)
    }, FLOW_MS)
})
