// The merchant terminal's 4x4 keypad on a PCF8574 (pin-level emulator with the matrix wired to
// it): every key reads with its label, no key and several keys read as none, poll() reports a
// press once and only after two alike scans, a bounce is not a press, and a missing expander is
// a clear error.

import { describe, expect, test } from "vitest"
import { KEYPAD_4X4_LABELS, Pcf8574Keypad } from "../../src/drivers/pcf8574-keypad"
import { ChipError } from "../../src/drivers/chip-error"
import { Pcf8574KeypadEmulator } from "../../sim/drivers/pcf8574-keypad-emulator"

async function world() {
    const chip = new Pcf8574KeypadEmulator()
    const keypad = new Pcf8574Keypad(chip)
    await keypad.begin()
    return { chip, keypad }
}

const label = (k: number) => (k < 0 ? "none" : KEYPAD_4X4_LABELS[k])

describe("4x4 keypad on a PCF8574", () => {
    test("begin() releases every pin", async () => {
        const w = await world()
        expect(w.chip.written).toEqual([0xff])
        expect(w.chip.latch).toBe(0xff)
    })

    test("a scan drives the rows low (columns inputs), and only when a key is held the columns low (rows inputs)", async () => {
        const w = await world()
        await w.keypad.scan()
        expect(w.chip.written.slice(1)).toEqual([0xf0]) // nothing held: one write, one read
        w.chip.press("5")
        expect(KEYPAD_4X4_LABELS[await w.keypad.scan()]).toBe("5")
        expect(w.chip.written.slice(2)).toEqual([0xf0, 0x0f])
    })

    test("every key reads with its label", async () => {
        const w = await world()
        const seen: string[] = []
        for (const l of ["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"]) {
            w.chip.press(l)
            seen.push(label(await w.keypad.scan()))
            w.chip.release(l)
        }
        expect(seen.join("")).toBe("123A456B789C*0#D")
    })

    test("no key held reads -1", async () => {
        const w = await world()
        expect(await w.keypad.scan()).toBe(-1)
    })

    test("two keys held are ambiguous: -1, whether on one row, one column or neither", async () => {
        const w = await world()
        for (const [a, b] of [["1", "2"], ["5", "0"], ["A", "*"]]) {
            w.chip.press(a)
            expect(label(await w.keypad.scan())).toBe(a)
            w.chip.press(b)
            expect(await w.keypad.scan(), `${a}+${b}`).toBe(-1)
            w.chip.release()
        }
    })

    test("three keys on a rectangle's corners (a ghost fourth) still read -1", async () => {
        const w = await world()
        w.chip.press("1")
        w.chip.press("2")
        w.chip.press("4")
        // The matrix itself shows the ghost: row 1 driven low reaches column 1 through 4, 1 and 2.
        w.chip.latch = 0xfd
        expect(w.chip.pins() & 0x30).toBe(0)
        expect(await w.keypad.scan()).toBe(-1)
    })

    test("poll(): a key seen in one scan only is not reported", async () => {
        const w = await world()
        w.chip.press("5")
        expect(await w.keypad.poll()).toBe(-1)
        w.chip.release("5")
        expect(await w.keypad.poll()).toBe(-1)
        expect(await w.keypad.poll()).toBe(-1)
    })

    test("poll(): a held key is reported once; released then pressed again, once more", async () => {
        const w = await world()
        w.chip.press("7")
        const got: string[] = []
        for (let i = 0; i < 6; i++) got.push(label(await w.keypad.poll()))
        expect(got).toEqual(["none", "7", "none", "none", "none", "none"])
        w.chip.release("7")
        expect(await w.keypad.poll()).toBe(-1)
        expect(await w.keypad.poll()).toBe(-1)
        w.chip.press("7")
        expect(await w.keypad.poll()).toBe(-1)
        expect(label(await w.keypad.poll())).toBe("7")
    })

    test("poll(): a release seen in one scan only (contact bounce) is not a new press", async () => {
        const w = await world()
        w.chip.press("#")
        await w.keypad.poll()
        expect(label(await w.keypad.poll())).toBe("#")
        w.chip.release("#")
        expect(await w.keypad.poll()).toBe(-1)
        w.chip.press("#")
        for (let i = 0; i < 4; i++) expect(await w.keypad.poll()).toBe(-1)
    })

    test("poll(): rolling from one key to the next through both held reports the next", async () => {
        const w = await world()
        w.chip.press("1")
        await w.keypad.poll()
        expect(label(await w.keypad.poll())).toBe("1")
        w.chip.press("2")
        expect(await w.keypad.poll()).toBe(-1)
        expect(await w.keypad.poll()).toBe(-1)
        w.chip.release("1")
        expect(await w.keypad.poll()).toBe(-1)
        expect(label(await w.keypad.poll())).toBe("2")
    })

    test("without the expander at its address, begin() fails with a clear error", async () => {
        const elsewhere = new Pcf8574KeypadEmulator(0x21)
        const keypad = new Pcf8574Keypad(elsewhere)
        await expect(keypad.begin()).rejects.toThrow(ChipError)
        await expect(keypad.begin()).rejects.toThrow(/no PCF8574 keypad answers at 0x20/)
        // At the address it is strapped to, the same chip answers.
        await new Pcf8574Keypad(elsewhere, 0x21).begin()
    })

    test("a bus that answers but holds the pins low is refused", async () => {
        const stuck = { write: async () => {}, read: async (_a: number, n: number) => Buffer.alloc(n), writeRead: async (_a: number, _w: Buffer, n: number) => Buffer.alloc(n) }
        await expect(new Pcf8574Keypad(stuck).begin()).rejects.toThrow(/reads 0x00/)
    })
})
