// The DS3231 real-time clock driver: the shared cases (also run in the VM by
// test/vm/ds3231-rtc.test.ts), then the driver against the register-level emulator
// (sim/drivers/ds3231-emulator.ts) whose time runs on a clock the test moves.

import { describe, expect, test } from "vitest"
import { ds3231Cases } from "../shared/ds3231-cases"
import { Ds3231Rtc } from "../../src/drivers/ds3231-rtc"
import { Ds3231Emulator } from "../../sim/drivers/ds3231-emulator"
import { ChipError } from "../../src/drivers/chip-error"

describe("DS3231 driver (shared cases)", () => {
    for (const c of ds3231Cases()) test(c.name, async () => await c.run({} as never))
})

describe("DS3231 driver against the emulator", () => {
    function world() {
        let ms = 1_000_000
        const chip = new Ds3231Emulator(() => ms)
        return { chip, rtc: new Ds3231Rtc(chip), advance: (d: number) => (ms += d) }
    }

    test("a chip fresh from power-up has OSF set: its time is not trusted until set", async () => {
        const { chip, rtc, advance } = world()
        await rtc.begin()
        expect(await rtc.now()).toBe(-1)
        expect((await rtc.read()).seconds).toBe(946684800)
        await rtc.set(1796507836)
        expect(chip.oscillatorStopped()).toBe(false)
        expect(await rtc.now()).toBe(1796507836)
        advance(61_500)
        expect(await rtc.now()).toBe(1796507897)
    })

    test("time runs across midnight, month and year ends", async () => {
        const { rtc, advance } = world()
        await rtc.set(Date.parse("2026-12-31T23:59:58Z") / 1000)
        advance(3000)
        expect(await rtc.now()).toBe(Date.parse("2027-01-01T00:00:01Z") / 1000)
    })

    test("a stopped oscillator makes the time untrusted again; setting it clears the flag", async () => {
        const { chip, rtc } = world()
        await rtc.set(1796507836)
        chip.stopOscillator()
        expect(await rtc.now()).toBe(-1)
        await rtc.set(1796600000)
        expect(await rtc.now()).toBe(1796600000)
    })

    test("12-hour mode written by another program is read right", async () => {
        const { chip, rtc } = world()
        await chip.write(0x68, Buffer.from("00000069", "hex")) // 9 PM, 12-hour mode
        await chip.write(0x68, Buffer.from("0f00", "hex"))
        const t = await rtc.now()
        expect(new Date(t * 1000).getUTCHours()).toBe(21)
    })

    test("the emulator's status flag can only be cleared by a write", async () => {
        const { chip } = world()
        await chip.write(0x68, Buffer.from("0f00", "hex"))
        await chip.write(0x68, Buffer.from("0f80", "hex"))
        expect(chip.oscillatorStopped()).toBe(false)
    })

    test("no chip at the address is a ChipError", async () => {
        const rtc = new Ds3231Rtc(new Ds3231Emulator(Date.now, 0x69))
        await expect(rtc.begin()).rejects.toBeInstanceOf(ChipError)
    })
})
