// An HD44780 character LCD behind a PCF8574 I2C backpack at 0x27, emulated at the pin level for
// the LCD driver tests (Hitachi HD44780U data sheet). Each byte written is the PCF8574 output:
// P0=RS, P1=RW, P2=E, P3=backlight, P4..P7=D4..D7. On each falling edge of E (with RW low) the
// LCD latches D4..D7. It powers up in 8-bit mode, where every latch is a whole instruction with
// D0..D3 reading 0, so the driver's 0x3, 0x3, 0x3, 0x2 nibbles switch it to 4-bit mode; from
// then on two latches, high nibble first, make one byte. Instructions: clear, return home,
// entry mode, display on/off, cursor shift, function set, CGRAM and DDRAM address; data goes to
// DDRAM (80 bytes: 0x00-0x4F in 1-line mode, 0x00-0x27 and 0x40-0x67 in 2-line mode) or CGRAM.
// Display shift (S=1, or shift instructions with S/C=1) is not emulated.
// With a clock (ms), timing is checked too: the I2C bus takes 90 us per byte (100 kHz), and an
// edge that comes while the LCD is still busy is noted in `violations` (it is executed anyway):
// 40 ms after power-up, 4.1 ms and 100 us after the first two 8-bit function sets following
// power-up, 1.52 ms after clear or return home, 37 us after anything else.

import { I2cChip } from "./i2c-chip"

const RS = 0x01
const RW = 0x02
const E = 0x04
const BL = 0x08
const I2C_BYTE_MS = 0.09

export interface Hd44780EmulatorOptions {
    address?: number
    /** Milliseconds, e.g. a virtual clock the test's sleep() advances; without it timing is not checked. */
    clock?: () => number
}

export class Hd44780Emulator extends I2cChip {
    readonly address: number
    /** The PCF8574's output byte, as last written. */
    pins = 0
    backlight = false
    displayOn = false
    cursorOn = false
    blinkOn = false
    /** DL=0 (the driver's goal). */
    fourBit = false
    /** N=1. */
    twoLines = false
    /** I/D=1. */
    increment = true
    /** Address counter, and whether it points into CGRAM rather than DDRAM. */
    addressCounter = 0
    cgramSelected = false
    readonly ddram: number[] = new Array(80).fill(0x20)
    readonly cgram: number[] = new Array(64).fill(0)
    /** Data bytes received over I2C (the address byte of each transfer not counted). */
    bytesReceived = 0
    /** Every instruction executed (RS=0), for the tests. */
    readonly instructions: number[] = []
    readonly violations: string[] = []
    /** The high nibble of a 4-bit byte waiting for its low nibble, or -1. */
    private pendingHigh = -1
    /** Only 8-bit function sets since power-up: the init waits apply. */
    private initSets = 0
    private freshFromPowerOn = true
    private busyUntil: number
    private busBytes = 0
    private readonly clock: (() => number) | undefined

    constructor(
        readonly columns = 16,
        readonly rows = 2,
        options: Hd44780EmulatorOptions = {},
    ) {
        super()
        this.address = options.address ?? 0x27
        this.clock = options.clock
        this.busyUntil = this.clock ? this.clock() + 40 : 0
    }

    /** Time on the wire: the clock plus the time the bus has spent moving bytes. */
    private now(): number {
        return this.clock ? this.clock() + this.busBytes * I2C_BYTE_MS : 0
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        this.busBytes++
        for (const b of data) {
            this.busBytes++
            this.bytesReceived++
            this.drive(b)
        }
    }

    /** The pins as inputs: the latch (nothing here drives them; the LCD's read cycle is not emulated). */
    async read(address: number, length: number): Promise<Buffer> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        this.busBytes += 1 + length
        return Buffer.alloc(length, this.pins)
    }

    private drive(b: number): void {
        const before = this.pins
        this.pins = b
        this.backlight = (b & BL) !== 0
        if ((before & E) === 0 || (b & E) !== 0 || (before & RW) !== 0) return
        // Falling edge of E in a write cycle: RS and data must hold past it (the PCF8574 changes all pins at once).
        if ((before & 0xf1) !== (b & 0xf1)) this.violations.push(`RS or data changed with the falling edge of E (0x${before.toString(16)} -> 0x${b.toString(16)})`)
        this.latch(before >> 4, (before & RS) !== 0)
    }

    private latch(nibble: number, rs: boolean): void {
        const t = this.now()
        if (this.clock && t < this.busyUntil) {
            this.violations.push(`nibble 0x${nibble.toString(16)} at ${t.toFixed(2)} ms while busy until ${this.busyUntil.toFixed(2)} ms`)
        }
        if (!this.fourBit) {
            this.execute(nibble << 4, rs, t)
        } else if (this.pendingHigh < 0) {
            this.pendingHigh = nibble
        } else {
            const v = (this.pendingHigh << 4) | nibble
            this.pendingHigh = -1
            this.execute(v, rs, t)
        }
    }

    private execute(v: number, rs: boolean, t: number): void {
        let ms = 0.037
        if (rs) {
            this.writeData(v)
            ms = 0.041 // with the address counter update
        } else {
            this.instructions.push(v)
            if (v & 0x80) {
                this.addressCounter = v & 0x7f
                this.cgramSelected = false
            } else if (v & 0x40) {
                this.addressCounter = v & 0x3f
                this.cgramSelected = true
            } else if (v & 0x20) {
                const eightBit = (v & 0x10) !== 0
                if (eightBit && this.freshFromPowerOn) {
                    this.initSets++
                    if (this.initSets === 1) ms = 4.1
                    else if (this.initSets === 2) ms = 0.1
                }
                this.fourBit = !eightBit
                this.twoLines = (v & 0x08) !== 0
                this.pendingHigh = -1
            } else if (v & 0x10) {
                if ((v & 0x08) === 0) this.moveCursor((v & 0x04) !== 0)
            } else if (v & 0x08) {
                this.displayOn = (v & 0x04) !== 0
                this.cursorOn = (v & 0x02) !== 0
                this.blinkOn = (v & 0x01) !== 0
            } else if (v & 0x04) {
                this.increment = (v & 0x02) !== 0
            } else if (v & 0x02) {
                this.addressCounter = 0
                this.cgramSelected = false
                ms = 1.52
            } else if (v & 0x01) {
                this.ddram.fill(0x20)
                this.addressCounter = 0
                this.cgramSelected = false
                this.increment = true
                ms = 1.52
            }
        }
        // Anything but an 8-bit function set ends the power-up sequence.
        if (rs || (v & 0xf0) !== 0x30) this.freshFromPowerOn = false
        if (this.clock) this.busyUntil = t + ms
    }

    private ddramIndex(a: number): number {
        if (!this.twoLines) return a < 80 ? a : -1
        if (a < 0x28) return a
        if (a >= 0x40 && a < 0x68) return a - 0x40 + 40
        return -1
    }

    private writeData(v: number): void {
        if (this.cgramSelected) {
            this.cgram[this.addressCounter & 0x3f] = v
        } else {
            const i = this.ddramIndex(this.addressCounter)
            if (i >= 0) this.ddram[i] = v
        }
        this.moveCursor(this.increment)
    }

    /** The address counter one step on, wrapping as the chip does (2-line: 0x27 -> 0x40, 0x67 -> 0x00). */
    private moveCursor(right: boolean): void {
        const a = this.addressCounter
        if (this.cgramSelected) this.addressCounter = (a + (right ? 1 : 63)) & 0x3f
        else if (!this.twoLines) this.addressCounter = right ? (a >= 0x4f ? 0 : a + 1) : a === 0 ? 0x4f : a - 1
        else if (right) this.addressCounter = a === 0x27 ? 0x40 : a >= 0x67 ? 0 : a + 1
        else this.addressCounter = a === 0x40 ? 0x27 : a === 0 ? 0x67 : a - 1
    }

    /** DDRAM address of each visible row's first character (rows 2 and 3 continue lines 1 and 2). */
    rowAddress(row: number): number {
        const base = row % 2 === 0 ? 0 : 0x40
        return row < 2 ? base : base + this.columns
    }

    /**
     * What the glass shows, row by row: blank with the display off, and rows of the second line
     * blank in 1-line mode. Codes outside printable ASCII (CGRAM, the ROM's upper half) show as
     * U+FFFD. (ROM A00 draws 0x5C and 0x7E as a yen sign and an arrow; shown here as ASCII.)
     */
    lines(): string[] {
        const out: string[] = []
        for (let r = 0; r < this.rows; r++) {
            let s = ""
            const base = this.rowAddress(r)
            for (let c = 0; c < this.columns; c++) {
                const i = this.ddramIndex(base + c)
                const code = this.displayOn && i >= 0 && (this.twoLines || base < 0x40) ? this.ddram[i] : 0x20
                s += code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : "\ufffd"
            }
            out.push(s)
        }
        return out
    }
}
