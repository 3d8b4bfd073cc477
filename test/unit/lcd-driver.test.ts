// The merchant terminal's HD44780 LCD behind a PCF8574 backpack (pin-level emulator, timed on a
// virtual clock that the driver's sleep() advances): initialisation by instruction ends in 4-bit
// 2-line mode with the display on and every wait respected, texts land on the right rows of
// 16x2 and 20x4 modules, long lines are cut, non-ASCII becomes '?', unchanged rows cost no I2C
// traffic, and a missing backpack is a clear error.

import { describe, expect, test } from "vitest"
import { Hd44780Lcd } from "../../src/drivers/hd44780-lcd"
import { ChipError } from "../../src/drivers/chip-error"
import { Hd44780Emulator } from "../../sim/drivers/hd44780-emulator"

async function world(columns = 16, rows = 2) {
    let now = 0
    const chip = new Hd44780Emulator(columns, rows, { clock: () => now })
    const lcd = new Hd44780Lcd(
        chip,
        async (ms) => {
            now += ms
        },
        0x27,
        columns,
        rows,
    )
    await lcd.begin()
    return { chip, lcd }
}

const blank = (n: number) => " ".repeat(n)

describe("HD44780 LCD on a PCF8574 backpack", () => {
    test("begin() leaves the LCD in 4-bit 2-line mode, display on, blank, backlight on, no timing violated", async () => {
        const { chip } = await world()
        expect(chip.fourBit).toBe(true)
        expect(chip.twoLines).toBe(true)
        expect(chip.displayOn).toBe(true)
        expect(chip.cursorOn).toBe(false)
        expect(chip.increment).toBe(true)
        expect(chip.backlight).toBe(true)
        expect(chip.lines()).toEqual([blank(16), blank(16)])
        // Three 8-bit function sets, the 4-bit switch, then the 4-bit instructions.
        expect(chip.instructions).toEqual([0x30, 0x30, 0x30, 0x20, 0x28, 0x08, 0x01, 0x06, 0x0c])
        expect(chip.violations).toEqual([])
    })

    test("the emulator notices a driver that skips the waits", async () => {
        const chip = new Hd44780Emulator(16, 2, { clock: () => 0 })
        await new Hd44780Lcd(chip, async () => {}).begin()
        expect(chip.violations.length).toBeGreaterThan(0)
        expect(chip.violations[0]).toMatch(/busy until 40/)
    })

    test("a 16x2 text lands on its two rows", async () => {
        const { chip, lcd } = await world()
        await lcd.show("TOTAL 125.00\nINSERT CARD")
        expect(chip.lines()).toEqual(["TOTAL 125.00    ", "INSERT CARD     "])
        expect(chip.violations).toEqual([])
    })

    test("a 20x4 text lands on its four rows (DDRAM 0x00, 0x40, 0x14, 0x54)", async () => {
        const { chip, lcd } = await world(20, 4)
        await lcd.show("row one\nrow two\nrow three\nrow four: 20 chars!")
        expect(chip.lines()).toEqual(["row one             ", "row two             ", "row three           ", "row four: 20 chars! "])
        expect(chip.ddram[0x14]).toBe("r".charCodeAt(0))
        expect(chip.ddram[40 + 0x14]).toBe("r".charCodeAt(0))
    })

    test("a 16x4 module continues its lines at 0x10 and 0x50", async () => {
        const { chip, lcd } = await world(16, 4)
        await lcd.show("a\nb\nc\nd")
        expect(chip.ddram[0x10]).toBe("c".charCodeAt(0))
        expect(chip.ddram[40 + 0x10]).toBe("d".charCodeAt(0))
        expect(chip.lines().map((l) => l.trim())).toEqual(["a", "b", "c", "d"])
    })

    test("long lines are cut at the width and do not spill into another row", async () => {
        const { chip, lcd } = await world(20, 4)
        await lcd.show("ABCDEFGHIJKLMNOPQRSTUVWXYZ\n\nsecond is empty")
        expect(chip.lines()).toEqual(["ABCDEFGHIJKLMNOPQRST", blank(20), "second is empty     ", blank(20)])
    })

    test("lines beyond the rows are dropped; missing lines are blank", async () => {
        const { chip, lcd } = await world()
        await lcd.show("one\ntwo\nthree")
        expect(chip.lines()).toEqual(["one" + blank(13), "two" + blank(13)])
        await lcd.show("only")
        expect(chip.lines()).toEqual(["only" + blank(12), blank(16)])
    })

    test("anything but printable ASCII shows as '?', one per character", async () => {
        const { chip, lcd } = await world()
        await lcd.show("Café €5 ✓\n😀\tok")
        expect(chip.lines()).toEqual(["Caf? ?5 ?       ", "??ok            "])
    })

    test("only the rows that changed are rewritten", async () => {
        const { chip, lcd } = await world()
        const before = chip.bytesReceived
        await lcd.show("AMOUNT\n12.00")
        const full = chip.bytesReceived - before
        // Per row: the DDRAM address and 16 characters, 4 PCF8574 bytes each.
        expect(full).toBe(2 * 17 * 4)
        await lcd.show("AMOUNT\n12.00")
        expect(chip.bytesReceived - before).toBe(full)
        await lcd.show("AMOUNT\n13.00")
        expect(chip.bytesReceived - before - full).toBe(17 * 4)
        expect(chip.lines()).toEqual(["AMOUNT" + blank(10), "13.00" + blank(11)])
    })

    test("begin() again brings a chip left half-way through a byte back in step", async () => {
        const { chip, lcd } = await world()
        await lcd.show("before")
        await chip.write(0x27, Buffer.from([0x4c, 0x48])) // a lone nibble: the next byte would be off by half
        await lcd.begin()
        await lcd.show("after\nresync")
        expect(chip.lines()).toEqual(["after" + blank(11), "resync" + blank(10)])
        expect(chip.fourBit).toBe(true)
    })

    test("show() before begin() is refused", async () => {
        const lcd = new Hd44780Lcd(new Hd44780Emulator(), async () => {})
        await expect(lcd.show("x")).rejects.toThrow(/call begin\(\) first/)
    })

    test("without a backpack at its address, begin() fails with a clear error", async () => {
        const elsewhere = new Hd44780Emulator(16, 2, { address: 0x3f })
        const lcd = new Hd44780Lcd(elsewhere, async () => {})
        await expect(lcd.begin()).rejects.toThrow(ChipError)
        await expect(lcd.begin()).rejects.toThrow(/no HD44780 backpack answers at 0x27/)
    })

    test("a layout the HD44780 cannot address is refused", () => {
        expect(() => new Hd44780Lcd(new Hd44780Emulator(), async () => {}, 0x27, 40, 4)).toThrow(ChipError)
    })
})
