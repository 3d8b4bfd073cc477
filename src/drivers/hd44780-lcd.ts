// The merchant terminal's character LCD: an HD44780 (Hitachi HD44780U data sheet) behind the
// common PCF8574 "I2C backpack", whose output byte is the LCD's pins: P0=RS, P1=RW, P2=E,
// P3=backlight, P4..P7=D4..D7. Only four data lines, so the LCD runs in 4-bit mode: each byte
// goes high nibble first, each nibble latched by the LCD on the falling edge of E (one PCF8574
// byte with E high, the next with E low). RW stays 0: the busy flag is never read, the waits
// are timed instead (37 us per instruction is less than one I2C byte at 100 kHz; clear 1.52 ms).
// begin() is the data sheet's "initializing by instruction" (figure 24), which also brings a
// chip left half-way through a 4-bit byte back in step. show() rewrites only the lines that
// changed. Portable: the I2C bus and the clock are injected.

import { copyOf, hexOfByte } from "../bytes"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"

export const LCD_I2C_ADDRESS = 0x27
const PIN_RS = 0x01
const PIN_E = 0x04
const PIN_BACKLIGHT = 0x08
const CMD_CLEAR = 0x01
const CMD_ENTRY_INCREMENT = 0x06
const CMD_DISPLAY_OFF = 0x08
const CMD_DISPLAY_ON = 0x0c
/** 4-bit interface, 2 lines, 5x8 dots. */
const CMD_FUNCTION_4BIT_2LINE = 0x28
const CMD_SET_DDRAM = 0x80
/** Second display line's DDRAM address in 2-line mode. */
const LINE2 = 0x40
/** Each LCD byte is 4 PCF8574 bytes (E high, E low, per nibble); some I2C drivers cap a write at 32 bytes. */
const MAX_WRITE = 32

export class Hd44780Lcd {
    private backlight = 0
    /** What each row shows, as last written; empty before begin() and for a row whose write failed. */
    private shown: string[] = []

    constructor(
        private readonly i2c: I2cPort,
        private readonly sleep: (ms: number) => Promise<void>,
        private readonly address: number = LCD_I2C_ADDRESS,
        readonly columns: number = 16,
        readonly rows: number = 2,
    ) {
        // Rows 2 and 3 of a 4-row module continue lines 1 and 2 (DDRAM is 40 bytes per line).
        if (rows < 1 || rows > 4 || columns < 1 || columns > 40 || (rows > 2 && columns > 20)) {
            throw new ChipError("no HD44780 layout for " + columns + "x" + rows)
        }
    }

    private async send(b: Buffer): Promise<void> {
        try {
            await this.i2c.write(this.address, b)
        } catch (e) {
            throw new ChipError("no HD44780 backpack answers at 0x" + hexOfByte(this.address) + " (" + (e as Error).message + ")")
        }
    }

    /** Puts one LCD byte at out[o..o+4): high nibble then low nibble, each as E high then E low. */
    private put(out: Buffer, o: number, value: number, rs: number): void {
        const high = (value & 0xf0) | rs | this.backlight
        const low = ((value << 4) & 0xf0) | rs | this.backlight
        out[o] = high | PIN_E
        out[o + 1] = high
        out[o + 2] = low | PIN_E
        out[o + 3] = low
    }

    /** A lone nibble, only during initialisation (the LCD may still be in 8-bit mode). */
    private async nibble(n: number): Promise<void> {
        const b = Buffer.alloc(2)
        b[0] = (n << 4) | this.backlight | PIN_E
        b[1] = (n << 4) | this.backlight
        await this.send(b)
    }

    private async command(value: number): Promise<void> {
        const b = Buffer.alloc(4)
        this.put(b, 0, value, 0)
        await this.send(b)
    }

    /** Initialisation by instruction (HD44780U figure 24), then a blank display, backlight on. */
    async begin(): Promise<void> {
        this.shown = []
        this.backlight = 0
        await this.sleep(50) // more than 40 ms after the supply reaches 2.7 V
        const idle = Buffer.alloc(1) // every pin low, E low before the first edge
        await this.send(idle)
        // Three 8-bit function sets: in step whatever the mode, then the switch to 4-bit.
        await this.nibble(0x3)
        await this.sleep(5) // more than 4.1 ms
        await this.nibble(0x3)
        await this.sleep(1) // more than 100 us
        await this.nibble(0x3)
        await this.nibble(0x2)
        await this.command(CMD_FUNCTION_4BIT_2LINE)
        await this.command(CMD_DISPLAY_OFF)
        await this.command(CMD_CLEAR)
        await this.sleep(2) // clear takes 1.52 ms
        await this.command(CMD_ENTRY_INCREMENT)
        await this.command(CMD_DISPLAY_ON)
        await this.setBacklight(true)
        const blank = this.fit("")
        for (let r = 0; r < this.rows; r++) this.shown.push(blank)
    }

    async setBacklight(on: boolean): Promise<void> {
        this.backlight = on ? PIN_BACKLIGHT : 0
        const b = Buffer.alloc(1)
        b[0] = this.backlight
        await this.send(b)
    }

    /** `line` as the row shows it: cut or padded to the width, anything but printable ASCII as '?'. */
    private fit(line: string): string {
        let s = ""
        let n = 0
        for (let i = 0; i < line.length && n < this.columns; i++) {
            const c = line.charCodeAt(i)
            if (c >= 0xdc00 && c <= 0xdfff) continue // second half of a UTF-16 pair: the first gave its '?'
            s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : "?"
            n++
        }
        for (; n < this.columns; n++) s += " "
        return s
    }

    /** DDRAM address of a row's first character: lines 1 and 2, then their continuations (4-row modules). */
    private rowAddress(row: number): number {
        const base = (row & 1) === 0 ? 0 : LINE2
        return row < 2 ? base : base + this.columns
    }

    private async writeRow(row: number, text: string): Promise<void> {
        const out = Buffer.alloc(4 * (1 + text.length))
        this.put(out, 0, CMD_SET_DDRAM | this.rowAddress(row), 0)
        for (let i = 0; i < text.length; i++) this.put(out, 4 + 4 * i, text.charCodeAt(i), PIN_RS)
        for (let o = 0; o < out.length; o += MAX_WRITE) await this.send(copyOf(out, o, Math.min(o + MAX_WRITE, out.length)))
    }

    /** Shows `text`, one line per row ("\n" between), rewriting only the rows that changed. */
    async show(text: string): Promise<void> {
        if (this.shown.length === 0) throw new ChipError("HD44780 at 0x" + hexOfByte(this.address) + " not initialised: call begin() first")
        const lines = text.split("\n")
        for (let r = 0; r < this.rows; r++) {
            const want = this.fit(r < lines.length ? lines[r] : "")
            if (want === this.shown[r]) continue
            this.shown[r] = "" // unknown until the whole row is written
            await this.writeRow(r, want)
            this.shown[r] = want
        }
    }
}
