// The card's keypad in the simulator: keys pressed on the card board's emulated PCF8574 keypad
// (NFC and infrared boards) or on its Jacdac keypad (the abstract Card Link field) reach the card
// firmware in its VM, whose display shows the masked entry and then its own screen again. The
// simulator holds the fixed Jacdac port, so this file queues on it like the other bus suites.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { buildFirmware, type Firmware } from "../../sim/simulator/firmware"
import type { SimLink } from "../../sim/simulator/boards"
import { Simulator } from "../../sim/simulator/simulator"

let firmware: Firmware
const WAIT = 900_000

beforeAll(async () => {
    firmware = await buildFirmware()
}, 180_000)

describe.sequential.each(["nfc"] as SimLink[])("the card's keypad over %s", (link) => {
    let sim: Simulator
    beforeAll(async () => {
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link })
    }, 1_200_000)
    afterAll(async () => await sim?.stop())

    test("typed digits show masked on the card, '*' takes one back, '#' returns to the ready screen", async () => {
        const card = sim.cardDisplay
        const detail = () => "card display history: " + card.describe() + "\ncard VM:\n" + (sim.cardVm?.lines().slice(-10).join("\n") ?? "")
        await card.waitFor(/^ACTIVECARD\nREADY$/, 10_000, 0, "the card is not ready", detail)
        let since = card.shown.length
        await sim.cardKeys("47")
        await card.waitFor(/^KEYPAD\n\*\*_$/, 10_000, since, "the card did not show two masked digits", detail)
        since = card.shown.length
        await sim.cardKeys("*")
        await card.waitFor(/^KEYPAD\n\*_$/, 10_000, since, "the card did not take a digit back", detail)
        since = card.shown.length
        await sim.cardKeys("#")
        await card.waitFor(/^ACTIVECARD\nREADY$/, 10_000, since, "the card did not return to its screen", detail)
        expect(card.shown.join("\n")).not.toMatch(/47/)
        // The terminal's display never saw the card's keys.
        expect(sim.terminalDisplay.shown.some((t) => t.startsWith("KEYPAD"))).toBe(false)
    }, 120_000)
})
