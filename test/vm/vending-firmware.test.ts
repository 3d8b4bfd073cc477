// The vending machine's firmware (devices/vending/main.ts) builds for its board and boots in the
// DeviceScript VM's test mode (no bus: no chips, no relay; flash settings empty): it reads its
// settings, falls back to its default machine ID and items, settles no pending sale and shows
// its items, without a panic.

import { describe, expect, test } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { boardConfigBytes, boardOf } from "../../sim/build-firmware"

const program = await buildProgram("devices/vending/main.ts", "test-vending")
const run = await runTestMode(program, 8000)

describe(`vending firmware (image ${program.imageBytes} bytes)`, () => {
    test("is built for the vending board, with its board definition in the image", async () => {
        expect(boardOf("devices/vending/main.ts")?.id).toBe("activecard_vending")
        expect(await boardConfigBytes(program.devsFile)).toBeGreaterThan(0)
    })

    test("boots, reads its settings and shows its items", () => {
        expect(run.output).not.toMatch(/PANIC|Exception:|SALE FAILED/)
        expect(run.lines, run.output).toContain("VENDING READY VM000001 items:4")
        expect(run.lines).toContain("VENDING DISPLAY SELECT ITEM | 1 COLA | 2 CIDER | 3 WATER")
    })
})
