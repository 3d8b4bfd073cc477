// Two DeviceScript VMs on one Jacdac bus: the card firmware's APDU application served as the
// Card Link service (services/cardlink.md) and a terminal paying through it. Uses the bus's
// fixed port 127.0.0.1:8082: this is the only test file that does.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { BusDevice, buildProgram, runOnBus, startOnBus, VmRun } from "../../sim/vm/devs-cli"
import { JacdacHub } from "../../sim/vm/jacdac-hub"

let hub: JacdacHub
let card: BusDevice
let run: VmRun

beforeAll(async () => {
    const cardProgram = await buildProgram("test/vm/programs/link-card.ts", "link-card")
    const terminalProgram = await buildProgram("test/vm/programs/link-terminal.ts", "link-terminal")
    hub = new JacdacHub()
    await hub.start()
    card = startOnBus(cardProgram, "c0ffee01c0ffee01")
    run = await runOnBus(terminalProgram, "LINK DONE", 120_000, "7e7e7e7e7e7e7e7e")
}, 180_000)

afterAll(async () => {
    card?.stop()
    await hub?.stop()
})

describe("card and terminal VMs over the Card Link service", () => {
    test("the terminal binds to the card's service", () => {
        expect(run.lines, run.output.slice(-2000)).toContain("LINK BOUND true")
    })

    test("a wrong PIN is refused by the card VM (63C2 -> 2 tries left)", () => {
        expect(run.lines.find((l) => l.startsWith("LINK RESULT 55"))).toMatch(/WRONG PIN - 2 TRIES LEFT/)
    })

    test("the payment is approved with the card's crypto running in its own VM", async () => {
        const approvedLine = run.lines.find((l) => l.startsWith("LINK RESULT 00"))
        expect(approvedLine).toMatch(/APPROVED \d{6}/)
        expect(run.lines).toContain("LINK DONE 1")
        // The card prints its display every 50 ms: give it a moment after the terminal finished.
        for (let i = 0; i < 40 && !card.lines().some((l) => /CARD SHOWS APPROVED/.test(l)); i++) await new Promise((r) => setTimeout(r, 50))
        const shows = card.lines().filter((l) => l.startsWith("CARD SHOWS "))
        expect(shows).toContain("CARD SHOWS PAY 12500")
        expect(shows.some((l) => /APPROVED \d{6}/.test(l)), shows.join(" | ")).toBe(true)
    })
})
