// Every firmware entry point compiles with the real DeviceScript compiler (its type checker
// included): the second compiler that src/ must satisfy, next to Node's strict tsc.

import { describe, expect, test } from "vitest"
import { buildProgram } from "../../sim/vm/devs-cli"
import { boardConfigBytes, boardOf, firmwareEntries } from "../../sim/build-firmware"

describe("firmware builds with devs build", () => {
    const entries = firmwareEntries()
    test("there is at least one firmware entry point", () => expect(entries.length).toBeGreaterThan(0))
    test("the card (either method family), the terminal and the vending machine are built for their boards", () => {
        expect(boardOf("devices/card/main.ts")?.id).toBe("activecard_card")
        expect(boardOf("devices/card-tls/main.ts")?.id).toBe("activecard_card")
        expect(boardOf("devices/terminal/main.ts")?.id).toBe("activecard_terminal")
        expect(boardOf("devices/vending/main.ts")?.id).toBe("activecard_vending")
    })
    for (const entry of entries) {
        test(entry, async () => {
            const p = await buildProgram(entry, "test-" + entry.split("/")[1])
            expect(p.imageBytes).toBeGreaterThan(1000)
            // A board's firmware carries its board definition (boards/<id>.board.json) in the image.
            if (boardOf(entry)) expect(await boardConfigBytes(p.devsFile)).toBeGreaterThan(0)
        }, 120_000)
    }
})
