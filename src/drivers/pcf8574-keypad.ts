// A 4x4 matrix keypad (the terminal's; the card's 4x3 one uses P0..P6 alike) on a PCF8574 I2C 8-bit expander (NXP PCF8574 data
// sheet): rows on P0..P3, columns on P4..P7. The PCF8574 has no direction register: its pins
// are quasi-bidirectional, a 1 written to the latch is a weak pull-up that can be read as an
// input, a 0 drives the pin low. So a scan drives the rows low with every column written 1 (a
// column that reads 0 has a pressed key), then the other way round for the row.
// Two or more keys at once are refused (ambiguous, and with three a plain matrix without diodes
// shows ghost keys). poll() debounces: a key counts once it reads the same in two scans in a row;
// the caller polls at its own pace. Portable: the I2C bus is injected.

import { hexOfByte } from "../bytes"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"

export const KEYPAD_I2C_ADDRESS = 0x20
/** Key legends, one character each, index = row * 4 + column (a string: no array to build at start-up). */
export const KEYPAD_4X4_LABELS = "123A456B789C*0#D"
const COLUMNS = 4
const NO_KEY = -1
/** poll()'s scan answer for two or more keys held: no key for the caller, but not a release either. */
const SEVERAL_KEYS = -2

/** The index of the one bit set in a 4-bit value, -1 when none or several. */
function singleBit(v: number): number {
    for (let i = 0; i < 4; i++) if (v === 1 << i) return i
    return -1
}

export class Pcf8574Keypad {
    /** The previous scan's result, for the two-scans-alike debounce. */
    private previous = NO_KEY
    /** The key poll() last reported, until it is seen released; NO_KEY when none. */
    private reported = NO_KEY

    constructor(
        private readonly i2c: I2cPort,
        private readonly address: number = KEYPAD_I2C_ADDRESS,
    ) {}

    /** Writes `latch` to the port (a 1 releases a pin, a 0 drives it low), then reads the pins. */
    private async pins(latch: number): Promise<number> {
        const b = Buffer.alloc(1)
        b[0] = latch
        let r: Buffer
        try {
            await this.i2c.write(this.address, b)
            r = await this.i2c.read(this.address, 1)
        } catch (e) {
            throw new ChipError("no PCF8574 keypad answers at 0x" + hexOfByte(this.address) + " (" + (e as Error).message + ")")
        }
        if (r.length !== 1) throw new ChipError("PCF8574 at 0x" + hexOfByte(this.address) + " gave " + r.length + " bytes for 1")
        return r[0]
    }

    /** Releases every pin (all inputs) and checks they read high: no row is driven, so no key can pull one low. */
    async begin(): Promise<void> {
        const pins = await this.pins(0xff)
        if (pins !== 0xff) {
            throw new ChipError("PCF8574 at 0x" + hexOfByte(this.address) + " reads 0x" + hexOfByte(pins) + " with every pin released: not a keypad, or a pin is shorted")
        }
        this.previous = NO_KEY
        this.reported = NO_KEY
    }

    /**
     * One scan in two steps (the "line reversal" method): rows low, the columns that read low
     * say which column; then columns low, the rows that read low say which row. Two I2C
     * transactions when no key is held, four when one is. The index of the single key held now
     * (see KEYPAD_4X4_LABELS), -1 for none, `several` (-1 unless told) for two or more.
     */
    async scan(several = NO_KEY): Promise<number> {
        const columns = (~(await this.pins(0xf0)) >> 4) & 0x0f
        if (columns === 0) return NO_KEY
        const rows = ~(await this.pins(0x0f)) & 0x0f
        if (rows === 0) return NO_KEY // released between the two steps
        const column = singleBit(columns)
        const row = singleBit(rows)
        if (column < 0 || row < 0) return several
        return row * COLUMNS + column
    }

    /**
     * Call periodically (every 10-20 ms): a key index once per press, else -1. A press counts when
     * two scans in a row see the key; the same key counts again only after two scans in a row see
     * no key (a bounce on release is not a new press). Several keys held report nothing and do
     * not count as a release, so rolling from one key to the next reports the next one.
     */
    async poll(): Promise<number> {
        const k = await this.scan(SEVERAL_KEYS)
        const steady = k === this.previous
        this.previous = k
        if (!steady || k === SEVERAL_KEYS) return NO_KEY
        if (k === NO_KEY) {
            this.reported = NO_KEY
            return NO_KEY
        }
        if (k === this.reported) return NO_KEY
        this.reported = k
        return k
    }
}
