// An SSD1306 OLED controller at 0x3C, emulated at the I2C protocol level for the OLED driver
// tests. Every write begins with a control byte (data sheet 8.1.5.2): Co=0 makes the rest of the
// write one stream, commands (D/C#=0, 0x00) or display RAM (D/C#=1, 0x40); Co=1 (0x80, 0xC0)
// carries a single byte, then another control byte follows. Commands are decoded with their
// argument counts from the data sheet's command table (section 9), including the scrolling and
// timing commands the driver never sends, so a stream is never misread; a command's arguments may
// come in later writes, as libraries that send one byte per write do.
// Display RAM is the chip's full 128 x 64 (8 pages) whatever the panel; a 128x32 panel shows
// pages 0..3. Writes follow the horizontal, vertical and page addressing modes with the column
// and page windows (0x21/0x22) and their wrap-around (section 10.1.3). textLines() reads the
// panel back as text by matching each 6-pixel cell against the font.

import { I2cChip } from "./i2c-chip"
import { FIRST, glyphTable, LAST, WIDTH } from "./font5x7-generate"

const COLUMNS = 128
const PAGES = 8
const CELL = WIDTH + 1
const CELLS = Math.floor(COLUMNS / CELL)

/** Argument bytes that follow each command byte; anything absent here takes none. */
function argumentCount(cmd: number): number {
    switch (cmd) {
        case 0x81: // contrast
        case 0x20: // memory addressing mode
        case 0xa8: // multiplex ratio
        case 0xd3: // display offset
        case 0xda: // COM pins configuration
        case 0xd5: // clock divide ratio / oscillator frequency
        case 0xd9: // pre-charge period
        case 0xdb: // VCOMH deselect level
        case 0x8d: // charge pump (application note)
        case 0x23: // fade out and blinking (later data sheet revisions)
        case 0xd6: // zoom in (later data sheet revisions)
            return 1
        case 0x21: // column address window
        case 0x22: // page address window
        case 0xa3: // vertical scroll area
            return 2
        case 0x29: // vertical and right horizontal scroll
        case 0x2a: // vertical and left horizontal scroll
            return 5
        case 0x26: // right horizontal scroll
        case 0x27: // left horizontal scroll
            return 6
        default:
            return 0
    }
}

export class Ssd1306Emulator extends I2cChip {
    /** Display RAM: page-major, one byte per column, bit 0 the page's top row. */
    readonly ram = Buffer.alloc(COLUMNS * PAGES)
    /** Unplugged: writes and reads throw, as a missing ACK does. */
    present = true
    displayOn = false
    chargePump = false
    /** Multiplex ratio, the COM lines in use (0xA8 argument + 1); 64 after reset. */
    multiplex = 64
    /** 0 horizontal, 1 vertical, 2 page addressing (the reset mode). */
    addressingMode = 2
    contrast = 0x7f
    segmentRemap = false
    comScanReversed = false
    comPins = 0x12
    inverted = false
    entireDisplayOn = false
    startLine = 0
    displayOffset = 0
    columnStart = 0
    columnEnd = COLUMNS - 1
    pageStart = 0
    pageEnd = PAGES - 1
    column = 0
    pageIndex = 0
    /** Display-RAM bytes received. */
    dataBytes = 0
    /** The length of every write that carried display-RAM bytes, control byte included. */
    readonly dataWriteLengths: number[] = []
    /** Every command byte and argument received, in order. */
    readonly commandLog: number[] = []
    /** Command bytes this emulator does not know (taken to have no arguments). */
    unknownCommands = 0
    private pending: number[] = []
    private pendingNeed = 0
    private readonly glyphs: Map<string, string>

    constructor(
        /** Rows on the panel: 32 or 64. */
        readonly height: 32 | 64 = 32,
        readonly address = 0x3c,
    ) {
        super()
        const table = glyphTable()
        this.glyphs = new Map()
        for (let ch = FIRST; ch <= LAST; ch++) {
            this.glyphs.set(table.subarray((ch - FIRST) * WIDTH, (ch - FIRST + 1) * WIDTH).toString("hex"), String.fromCharCode(ch))
        }
    }

    /** Whether the panel lights at all: display on, powered by the charge pump. */
    lit(): boolean {
        return this.displayOn && this.chargePump
    }

    async write(address: number, data: Buffer): Promise<void> {
        this.check(address)
        let hadData = false
        let i = 0
        while (i < data.length) {
            const control = data[i++]
            const isData = (control & 0x40) !== 0
            const single = (control & 0x80) !== 0
            const end = single ? Math.min(i + 1, data.length) : data.length
            for (; i < end; i++) {
                if (isData) {
                    this.ramWrite(data[i])
                    hadData = true
                } else this.commandByte(data[i])
            }
        }
        if (hadData) this.dataWriteLengths.push(data.length)
    }

    /** The status byte (data sheet 8.1.5.2: bit 6 set while the display is off), repeated. */
    async read(address: number, length: number): Promise<Buffer> {
        this.check(address)
        return Buffer.alloc(length, this.displayOn ? 0x00 : 0x40)
    }

    private check(address: number): void {
        if (!this.present || address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
    }

    /** The pixel at column x, row y of display RAM (rows counted down from page 0's top). */
    pixel(x: number, y: number): boolean {
        return ((this.ram[(y >> 3) * COLUMNS + x] >> (y & 7)) & 1) === 1
    }

    /** The panel read back as text, one entry per page it shows; "?" for a cell that is no glyph. */
    textLines(): string[] {
        const lines: string[] = []
        for (let p = 0; p < this.height / 8; p++) {
            let line = ""
            for (let c = 0; c < CELLS; c++) {
                const at = p * COLUMNS + c * CELL
                const glyph = this.glyphs.get(this.ram.subarray(at, at + WIDTH).toString("hex"))
                line += glyph !== undefined && this.ram[at + WIDTH] === 0 ? glyph : "?"
            }
            lines.push(line.trimEnd())
        }
        return lines
    }

    private commandByte(b: number): void {
        this.commandLog.push(b)
        if (this.pendingNeed > 0) {
            this.pending.push(b)
            if (--this.pendingNeed === 0) this.execute(this.pending)
            return
        }
        this.pending = [b]
        this.pendingNeed = argumentCount(b)
        if (this.pendingNeed === 0) this.execute(this.pending)
    }

    private execute(c: number[]): void {
        const op = c[0]
        if (op === 0xae || op === 0xaf) this.displayOn = op === 0xaf
        else if (op === 0x8d) this.chargePump = (c[1] & 0x04) !== 0
        else if (op === 0xa8) this.multiplex = Math.max(c[1] & 0x3f, 15) + 1 // 0..14 are invalid
        else if (op === 0x20) this.addressingMode = (c[1] & 0x03) === 3 ? this.addressingMode : c[1] & 0x03
        else if (op === 0x21) {
            this.columnStart = c[1] & 0x7f
            this.columnEnd = c[2] & 0x7f
            this.column = this.columnStart
        } else if (op === 0x22) {
            this.pageStart = c[1] & 0x07
            this.pageEnd = c[2] & 0x07
            this.pageIndex = this.pageStart
        } else if (op <= 0x0f) this.column = (this.column & 0xf0) | op // page mode: lower nibble
        else if (op <= 0x1f) this.column = ((op & 0x07) << 4) | (this.column & 0x0f) // page mode: upper nibble
        else if (op >= 0xb0 && op <= 0xb7) this.pageIndex = op & 0x07 // page mode: page
        else if (op >= 0x40 && op <= 0x7f) this.startLine = op & 0x3f
        else if (op === 0x81) this.contrast = c[1]
        else if (op === 0xa0 || op === 0xa1) this.segmentRemap = op === 0xa1
        else if (op === 0xc0 || op === 0xc8) this.comScanReversed = op === 0xc8
        else if (op === 0xda) this.comPins = c[1]
        else if (op === 0xd3) this.displayOffset = c[1] & 0x3f
        else if (op === 0xa4 || op === 0xa5) this.entireDisplayOn = op === 0xa5
        else if (op === 0xa6 || op === 0xa7) this.inverted = op === 0xa7
        else if (argumentCount(op) === 0 && !this.knownWithoutArguments(op)) this.unknownCommands++
    }

    /** Commands with no arguments and no state kept here (scroll on/off, NOP). */
    /**
     * Whether the last display-RAM write filled its window to the end: the column pointer is back
     * at the window's first column (horizontal mode) or at column 0 (page mode). A driver that
     * writes whole lines is then between lines.
     */
    betweenWrites(): boolean {
        return this.column === (this.addressingMode === 2 ? 0 : this.columnStart)
    }

    private knownWithoutArguments(op: number): boolean {
        return op === 0x2e || op === 0x2f || op === 0xe3
    }

    private ramWrite(b: number): void {
        this.ram[this.pageIndex * COLUMNS + this.column] = b
        this.dataBytes++
        if (this.addressingMode === 0) {
            if (this.column < this.columnEnd) this.column++
            else {
                this.column = this.columnStart
                this.pageIndex = this.pageIndex < this.pageEnd ? this.pageIndex + 1 : this.pageStart
            }
        } else if (this.addressingMode === 1) {
            if (this.pageIndex < this.pageEnd) this.pageIndex++
            else {
                this.pageIndex = this.pageStart
                this.column = this.column < this.columnEnd ? this.column + 1 : this.columnStart
            }
        } else if (this.column < COLUMNS - 1) this.column++
        else this.column = 0 // page mode: the column pointer wraps, the page stays
    }
}
