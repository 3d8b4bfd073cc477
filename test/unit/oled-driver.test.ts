// The card's OLED: the Ssd1306Text driver against an I2C-level SSD1306 emulator. Power-up leaves
// the panel on with the charge pump and the right multiplex for 32 and 64 rows; text reads back
// from display RAM through the font; long lines are cut at 21 characters; only changed lines
// travel; all 95 printable characters survive the round trip; no I2C write exceeds 33 bytes; a
// missing chip is a clear ChipError. The generated font module still matches the drawing.

import { describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { OLED_I2C_ADDRESS, Ssd1306Text } from "../../src/drivers/ssd1306-text"
import { ChipError } from "../../src/drivers/chip-error"
import { drawGlyph, FONT_FIRST, FONT_LAST, glyphColumns } from "../../src/drivers/font5x7"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { Ssd1306Emulator } from "../../sim/drivers/ssd1306-emulator"
import { FONT_MODULE, fontModuleSource, glyphTable } from "../../sim/drivers/font5x7-generate"
import { FONT_SHEETS } from "../../sim/drivers/font5x7-drawing"

/** Passes writes through to the chip, noting each write's length and whether the panel was on. */
class Spy implements I2cPort {
    readonly writes: { length: number; data: boolean; displayOn: boolean }[] = []
    constructor(readonly chip: Ssd1306Emulator) {}
    async write(address: number, data: Buffer): Promise<void> {
        this.writes.push({ length: data.length, data: data[0] === 0x40, displayOn: this.chip.displayOn })
        await this.chip.write(address, data)
    }
    read(address: number, length: number): Promise<Buffer> {
        return this.chip.read(address, length)
    }
    async writeRead(address: number, data: Buffer, length: number): Promise<Buffer> {
        await this.write(address, data)
        return await this.read(address, length)
    }
}

async function screen(height: 32 | 64 = 32) {
    const chip = new Ssd1306Emulator(height)
    chip.ram.fill(0xa5) // display RAM holds noise after power-up
    const spy = new Spy(chip)
    const oled = new Ssd1306Text(spy, OLED_I2C_ADDRESS, height)
    await oled.begin()
    return { chip, spy, oled }
}

const PRINTABLE = Array.from({ length: FONT_LAST - FONT_FIRST + 1 }, (_, i) => String.fromCharCode(FONT_FIRST + i)).join("")

describe("SSD1306 power-up", () => {
    test("128x32: on, charge pump on, multiplex 32, horizontal addressing, sequential COM pins, cleared", async () => {
        const { chip } = await screen(32)
        expect(chip.lit()).toBe(true)
        expect(chip.displayOn).toBe(true)
        expect(chip.chargePump).toBe(true)
        expect(chip.multiplex).toBe(32)
        expect(chip.addressingMode).toBe(0)
        expect(chip.comPins).toBe(0x02)
        expect(chip.segmentRemap && chip.comScanReversed).toBe(true)
        expect(chip.unknownCommands).toBe(0)
        expect(chip.textLines()).toEqual(["", "", "", ""])
        expect(chip.ram.subarray(0, 4 * 128).every((b) => b === 0)).toBe(true)
    })

    test("128x64: multiplex 64, alternative COM pins, all eight pages cleared", async () => {
        const { chip } = await screen(64)
        expect(chip.lit()).toBe(true)
        expect(chip.multiplex).toBe(64)
        expect(chip.comPins).toBe(0x12)
        expect(chip.textLines()).toEqual(["", "", "", "", "", "", "", ""])
        expect(chip.ram.every((b) => b === 0)).toBe(true)
    })

    test("the panel is switched on only after the clear, so power-up noise never shows", async () => {
        const { spy, chip } = await screen(32)
        const dataWrites = spy.writes.filter((w) => w.data)
        expect(dataWrites.length).toBe(4 * 4)
        expect(dataWrites.some((w) => w.displayOn)).toBe(false)
        expect(chip.commandLog[chip.commandLog.length - 1]).toBe(0xaf)
    })

    test("text before begin() is refused", async () => {
        const oled = new Ssd1306Text(new Ssd1306Emulator(), OLED_I2C_ADDRESS, 32)
        await expect(oled.show("HELLO")).rejects.toBeInstanceOf(ChipError)
    })

    test("no chip at the address: ChipError naming it", async () => {
        const chip = new Ssd1306Emulator(32, 0x3c)
        const oled = new Ssd1306Text(chip, 0x3d, 32)
        const err = await oled.begin().catch((e) => e)
        expect(err).toBeInstanceOf(ChipError)
        expect(err.message).toBe("no SSD1306 answers at 0x3d")
        expect(chip.displayOn).toBe(false)
    })
})

describe("text on the panel", () => {
    test("a payment result reads back line by line", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("APPROVED\n12,500 KRW\nPIN OK")
        expect(chip.textLines()).toEqual(["APPROVED", "12,500 KRW", "PIN OK", ""])
    })

    test("lowercase and punctuation read back", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("Insert card, please\nthank you!\njumpy quiz: 3/4 (ok?)\n[x] @home ~50%")
        expect(chip.textLines()).toEqual(["Insert card, please", "thank you!", "jumpy quiz: 3/4 (ok?)", "[x] @home ~50%"])
    })

    test("glyphs land in display RAM column by column, bit 0 at the top, a blank column between", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("A\n\nL")
        // "A": columns 7e 11 11 11 7e
        expect([0, 1, 2, 3, 4, 5].map((x) => chip.ram[x])).toEqual([0x7e, 0x11, 0x11, 0x11, 0x7e, 0x00])
        expect(chip.pixel(0, 0)).toBe(false)
        expect(chip.pixel(0, 1)).toBe(true)
        expect(chip.pixel(2, 4)).toBe(true)
        expect(chip.pixel(2, 7)).toBe(false)
        // "L" on the third line (page 2, rows 16..23): its bottom bar is row 22
        expect(chip.pixel(0, 16)).toBe(true)
        expect(chip.pixel(4, 22)).toBe(true)
        expect(chip.pixel(4, 21)).toBe(false)
    })

    test("long lines are cut at 21 characters and the last two columns stay dark", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("ABCDEFGHIJKLMNOPQRSTUVWXYZ\n" + "#".repeat(30))
        expect(chip.textLines()).toEqual(["ABCDEFGHIJKLMNOPQRSTU", "#####################", "", ""])
        expect([126, 127, 128 + 126, 128 + 127].map((x) => chip.ram[x])).toEqual([0, 0, 0, 0])
    })

    test("more lines than pages: the extra lines are dropped (4 on 32 rows, 8 on 64)", async () => {
        const small = await screen(32)
        await small.oled.show("1\n2\n3\n4\n5\n6")
        expect(small.chip.textLines()).toEqual(["1", "2", "3", "4"])
        const tall = await screen(64)
        await tall.oled.show("1\n2\n3\n4\n5\n6\n7\n8\n9")
        expect(tall.chip.textLines()).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"])
    })

    test("only changed lines are sent: one changed line costs one page of data", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("AMOUNT\n12,500 KRW\nENTER PIN\n****")
        let before = chip.dataBytes
        await oled.show("AMOUNT\n12,500 KRW\nPIN OK\n****")
        expect(chip.dataBytes - before).toBe(128)
        expect(chip.textLines()).toEqual(["AMOUNT", "12,500 KRW", "PIN OK", "****"])
        before = chip.dataBytes
        await oled.show("AMOUNT\n12,500 KRW\nPIN OK\n****")
        expect(chip.dataBytes - before).toBe(0)
        // Text past column 21 and trailing spaces do not change what the line looks like.
        await oled.show("AMOUNT\n12,500 KRW\nPIN OK\n****                 tail")
        expect(chip.dataBytes - before).toBe(0)
        // Shorter text blanks the lines it no longer has.
        await oled.show("AMOUNT")
        expect(chip.dataBytes - before).toBe(3 * 128)
        expect(chip.textLines()).toEqual(["AMOUNT", "", "", ""])
    })

    test("every I2C write carries at most 32 data bytes after its control byte", async () => {
        const { spy, oled } = await screen(64)
        await oled.show(PRINTABLE.match(/.{1,21}/g)!.join("\n"))
        expect(spy.writes.length).toBeGreaterThan(8 * 5)
        for (const w of spy.writes) expect(w.length).toBeLessThanOrEqual(33)
        const data = spy.writes.filter((w) => w.data)
        expect(data.every((w) => w.length === 33)).toBe(true)
    })

    test("a chip lost mid-show: ChipError, and the half-written line is rewritten next time", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("ONE\nTWO")
        chip.present = false
        await expect(oled.show("ONE\nTHREE")).rejects.toThrow(new ChipError("no SSD1306 answers at 0x3c"))
        chip.present = true
        await oled.show("ONE\nTHREE")
        expect(chip.textLines()).toEqual(["ONE", "THREE", "", ""])
        // Back to the old text: the driver cannot trust what it last knew of line 2, so it resends.
        const before = chip.dataBytes
        await oled.show("ONE\nTWO")
        expect(chip.dataBytes - before).toBe(128)
    })

    test("characters outside the font show as a box and read back as ?", async () => {
        const { chip, oled } = await screen(32)
        await oled.show("12,500 \u20a9\nTAB\there")
        expect(chip.textLines()).toEqual(["12,500 ?", "TAB?here", "", ""])
        expect([...glyphColumns(0x20a9)]).toEqual([0x7f, 0x7f, 0x7f, 0x7f, 0x7f])
        expect([...glyphColumns(0x1f)]).toEqual([0x7f, 0x7f, 0x7f, 0x7f, 0x7f])
        expect([...glyphColumns(0x7f)]).toEqual([0x7f, 0x7f, 0x7f, 0x7f, 0x7f])
    })
})

describe("the 5x7 font", () => {
    test("all 95 printable characters have distinct glyphs, only the space is blank, row 8 unused", () => {
        const seen = new Set<string>()
        for (let ch = FONT_FIRST; ch <= FONT_LAST; ch++) {
            const g = glyphColumns(ch)
            expect(g.length).toBe(5)
            seen.add(g.toString("hex"))
            expect(g.every((b) => b === 0)).toBe(ch === 0x20)
            expect(g.every((b) => b < 0x80)).toBe(true)
        }
        expect(seen.size).toBe(95)
    })

    test("all 95 printable characters round-trip through the panel", async () => {
        const { chip, oled } = await screen(64)
        const lines = PRINTABLE.match(/.{1,21}/g)!
        expect(lines.length).toBe(5)
        await oled.show(lines.join("\n"))
        expect(chip.textLines()).toEqual([...lines, "", "", ""])
    })

    test("drawGlyph writes in place, the same bytes as glyphColumns", () => {
        const into = Buffer.alloc(12, 0xee)
        drawGlyph(0x41, into, 3)
        expect(into.toString("hex")).toBe("eeeeee" + glyphColumns(0x41).toString("hex") + "eeeeeeee")
    })

    test("the generated src/drivers/font5x7-data.ts matches the drawing", () => {
        expect(readFileSync(FONT_MODULE, "utf8")).toBe(fontModuleSource(glyphTable()))
        const table = glyphTable()
        for (let ch = FONT_FIRST; ch <= FONT_LAST; ch++) {
            expect(glyphColumns(ch).toString("hex"), String.fromCharCode(ch)).toBe(table.subarray((ch - 0x20) * 5, (ch - 0x1f) * 5).toString("hex"))
        }
    })

    test("the generator refuses a drawing with look-alikes, a missing character or a stray pixel", () => {
        const copy = () => FONT_SHEETS.map((s) => ({ chars: s.chars, rows: [...s.rows] }))
        const twins = copy()
        const sheet = twins.find((s) => s.chars.includes("P"))!
        const p = sheet.chars.indexOf("P") * 6
        const r = sheet.chars.indexOf("R") * 6
        sheet.rows = sheet.rows.map((row) => row.slice(0, r) + row.slice(p, p + 5) + row.slice(r + 5)) // R drawn as P
        expect(() => glyphTable(twins)).toThrow(/"P" and "R" look the same/)
        expect(() => glyphTable(copy().slice(1))).toThrow(/is not drawn/)
        const stray = copy()
        stray[0].rows[0] = "x" + stray[0].rows[0].slice(1)
        expect(() => glyphTable(stray)).toThrow(/"x" in row 0/)
    })
})

describe("the SSD1306 emulator", () => {
    test("single-byte control (Co=1), command arguments split across writes, and window wrap-around", async () => {
        const chip = new Ssd1306Emulator(32)
        await chip.write(0x3c, Buffer.from([0x80, 0x8d, 0x80, 0x14, 0x80, 0xaf])) // one command byte per control byte
        expect(chip.chargePump && chip.displayOn).toBe(true)
        await chip.write(0x3c, Buffer.from([0x00, 0x81]))
        await chip.write(0x3c, Buffer.from([0x00, 0x20])) // contrast argument in its own write
        expect(chip.contrast).toBe(0x20)
        await chip.write(0x3c, Buffer.from([0x00, 0x26, 0, 0, 7, 3, 0, 0xff, 0x20, 0x00])) // scroll setup skipped whole
        expect(chip.addressingMode).toBe(0)
        await chip.write(0x3c, Buffer.from([0x00, 0x21, 126, 127, 0x22, 1, 2]))
        await chip.write(0x3c, Buffer.from([0x40, 1, 2, 3, 4, 5]))
        // 2x2 window at columns 126..127, pages 1..2: the fifth byte wraps to the window's start.
        expect([chip.ram[128 + 126], chip.ram[128 + 127], chip.ram[256 + 126], chip.ram[256 + 127]]).toEqual([5, 2, 3, 4])
        await chip.write(0x3c, Buffer.from([0xc0, 9, 0x80, 0xae]))
        expect(chip.ram[128 + 127]).toBe(9)
        expect(chip.displayOn).toBe(false)
        expect(chip.dataBytes).toBe(6)
        expect(chip.unknownCommands).toBe(0)
        expect([...(await chip.read(0x3c, 1))]).toEqual([0x40]) // status: display off
    })
})
