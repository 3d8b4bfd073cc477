// Text on the card's small OLED: an SSD1306 controller driving a 128x32 (or 128x64) panel over
// I2C at 0x3C. Each text line is one 8-pixel page of display RAM: 21 characters of the 5x7 font
// (src/drivers/font5x7.ts) in 6-pixel cells, the last two columns blank.
// Every I2C write starts with a control byte (SSD1306 data sheet 8.1.5.2): 0x00 for a stream of
// commands, 0x40 for a stream of display-RAM bytes. Pages are written in horizontal addressing
// mode through a one-page window (commands 0x21 column and 0x22 page address, data sheet 10.1.3),
// so 128 data bytes fill exactly one line. The power-up sequence follows the data sheet's
// software initialization flow (application note, figure 2) with the charge pump on (8D 14).
// Memory and VM time stay small: one 128-byte page buffer, one 33-byte write buffer, the last
// text shown on each line to skip lines that did not change, and one page rendered per await.
// Portable: the I2C bus is injected.

import { hex, hexOfByte } from "../bytes"
import { drawGlyph, GLYPH_WIDTH } from "./font5x7"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"

export const OLED_I2C_ADDRESS = 0x3c
export const OLED_WIDTH = 128
/** 5 font columns and a blank one. */
export const CELL_WIDTH = GLYPH_WIDTH + 1
export const CHARS_PER_LINE = 21
/** Display-RAM bytes per I2C write: ESP32 and Arduino-class hosts have small I2C buffers. */
export const DATA_CHUNK = 32
const CONTROL_DATA = 0x40
const SET_COLUMN_ADDRESS = 0x21
const SET_PAGE_ADDRESS = 0x22

// The power-up sequence after the control byte 00 (a stream of commands):
//   AE display off; D5 80 clock divide ratio 1, oscillator frequency 8 (the reset value);
//   A8 1F/3F multiplex ratio, one COM line per panel row; D3 00 display offset 0; 40 start line 0;
//   8D 14 charge pump on (the panel's high voltage from the chip's 3.3 V); 20 00 horizontal
//   addressing; A1 segment remap (column 127 on SEG0); C8 COM scan from COM[N-1] to COM0 (with A1:
//   the module's upright orientation); DA 02/12 COM pins, sequential for 32 rows, alternative for
//   64; 81 8F contrast; D9 F1 pre-charge, phase 1 one clock, phase 2 fifteen (for the charge pump);
//   DB 40 VCOMH deselect level; A4 show display RAM (not all pixels on); A6 normal, not inverted.
const INIT_32 = hex`00 ae d5 80 a8 1f d3 00 40 8d 14 20 00 a1 c8 da 02 81 8f d9 f1 db 40 a4 a6`
const INIT_64 = hex`00 ae d5 80 a8 3f d3 00 40 8d 14 20 00 a1 c8 da 12 81 8f d9 f1 db 40 a4 a6`
/** Control byte 00, AF: display on. */
const DISPLAY_ON = hex`00 af`

export class Ssd1306Text {
    /** 8-pixel pages on the panel: 4 for 32 rows, 8 for 64; one text line each. */
    readonly lines: number
    /** The text on each line as last written, null when unknown (before begin, after a failed write). */
    private readonly shown: (string | null)[] = []
    private readonly page = Buffer.alloc(OLED_WIDTH)
    private readonly chunk = Buffer.alloc(1 + DATA_CHUNK)
    private started = false

    constructor(
        private readonly i2c: I2cPort,
        private readonly address: number = OLED_I2C_ADDRESS,
        private readonly height: 32 | 64 = 32,
    ) {
        if (height !== 32 && height !== 64) throw new RangeError("an SSD1306 panel is 32 or 64 rows high")
        this.lines = height >> 3
        for (let i = 0; i < this.lines; i++) this.shown.push(null)
    }

    /** Any failed write is the chip not answering (the port throws on a missing ACK). */
    private async send(data: Buffer): Promise<void> {
        try {
            await this.i2c.write(this.address, data)
        } catch (e) {
            throw new ChipError("no SSD1306 answers at 0x" + hexOfByte(this.address))
        }
    }

    /**
     * Powers the panel up and clears it. The display is switched on only after the clear, so the
     * random display RAM of a cold start never shows.
     */
    async begin(): Promise<void> {
        await this.send(this.height === 32 ? INIT_32 : INIT_64)
        for (let p = 0; p < this.lines; p++) {
            this.shown[p] = null
            await this.writeLine(p, "")
        }
        await this.send(DISPLAY_ON)
        this.started = true
    }

    /**
     * Shows `text`: one line per "\n"-separated part, cut to 21 characters; lines past the last
     * page are dropped, pages past the last line are blanked. Only lines that look different from
     * what the line shows now are sent.
     */
    async show(text: string): Promise<void> {
        if (!this.started) throw new ChipError("begin() the SSD1306 before showing text")
        const parts = text.split("\n")
        for (let p = 0; p < this.lines; p++) {
            let line = p < parts.length ? parts[p] : ""
            // Cut to the screen and drop trailing spaces (they look like the blank padding).
            let end = line.length < CHARS_PER_LINE ? line.length : CHARS_PER_LINE
            while (end > 0 && line.charCodeAt(end - 1) === 0x20) end--
            if (end < line.length) line = line.slice(0, end)
            if (line === this.shown[p]) continue
            await this.writeLine(p, line)
        }
    }

    /** Renders one line into the page buffer and writes it to page `p`. */
    private async writeLine(p: number, line: string): Promise<void> {
        this.shown[p] = null // unknown until the whole page is written
        const page = this.page
        let x = 0
        for (let i = 0; i < line.length; i++) {
            drawGlyph(line.charCodeAt(i), page, x)
            page[x + GLYPH_WIDTH] = 0
            x += CELL_WIDTH
        }
        for (; x < OLED_WIDTH; x++) page[x] = 0
        const area = Buffer.alloc(7) // control byte 00, then the commands 21 00 7F 22 p p
        area[1] = SET_COLUMN_ADDRESS
        area[3] = OLED_WIDTH - 1
        area[4] = SET_PAGE_ADDRESS
        area[5] = p
        area[6] = p
        await this.send(area)
        const chunk = this.chunk
        chunk[0] = CONTROL_DATA
        for (let o = 0; o < OLED_WIDTH; o += DATA_CHUNK) {
            for (let i = 0; i < DATA_CHUNK; i++) chunk[1 + i] = page[o + i]
            await this.send(chunk)
        }
        this.shown[p] = line
    }
}
