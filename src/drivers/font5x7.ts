// A 5x7 font for printable ASCII 0x20..0x7E: five column bytes per glyph, left to right, bit 0
// the top row, which is how an SSD1306 page byte lands on the screen. The glyphs (font5x7-data.ts)
// are generated from a hand-drawn sheet into a buffer literal: read in place from flash on the
// device. Portable: Node and DeviceScript.

import { FONT_5X7 } from "./font5x7-data"

export const FONT_FIRST = 0x20
export const FONT_LAST = 0x7e
export const GLYPH_WIDTH = 5

/** Every column of a character the font lacks: a filled box, plainly not a letter. */
const MISSING_COLUMN = 0x7f

/** Writes the five columns of character code `ch` into `into` at `at` (no allocation). */
export function drawGlyph(ch: number, into: Buffer, at: number): void {
    if (!(ch >= FONT_FIRST && ch <= FONT_LAST)) {
        for (let i = 0; i < GLYPH_WIDTH; i++) into[at + i] = MISSING_COLUMN
        return
    }
    const o = (ch - FONT_FIRST) * GLYPH_WIDTH
    for (let i = 0; i < GLYPH_WIDTH; i++) into[at + i] = FONT_5X7[o + i]
}

/** The five column bytes of character code `ch`. */
export function glyphColumns(ch: number): Buffer {
    const out = Buffer.alloc(GLYPH_WIDTH)
    drawGlyph(ch, out, 0)
    return out
}
