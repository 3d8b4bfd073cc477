// A PCF8574 at 0x20 with a 4x4 matrix keypad on its pins (rows P0..P3, columns P4..P7),
// emulated at the pin level for the keypad driver tests. A write sets the output latch (each
// byte in turn, as the chip does); a read gives the pins: a latch 1 is a weak pull-up that
// anything joined to a low pin pulls down, a latch 0 drives the pin low. A held key joins its
// row pin and column pin; several held keys join more pins, so three keys on the corners of a
// rectangle show the fourth one too (ghosting), as on a real matrix without diodes.

import { I2cChip } from "./i2c-chip"

/** The keypad's legends, row by row (its own copy: the driver's must match the hardware). */
const LABELS = ["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"]

export class Pcf8574KeypadEmulator extends I2cChip {
    /** Output latch; all ones at power-on (every pin a weak pull-up). */
    latch = 0xff
    /** Every byte written to the latch, in order. */
    readonly written: number[] = []
    reads = 0
    private readonly held = new Set<number>()

    constructor(readonly address = 0x20) {
        super()
    }

    private keyOf(label: string): number {
        const k = LABELS.indexOf(label)
        if (k < 0) throw new Error(`no key "${label}" on the keypad`)
        return k
    }

    press(label: string): void {
        this.held.add(this.keyOf(label))
    }

    /** Lets go of one key, or of every key. */
    release(label?: string): void {
        if (label === undefined) this.held.clear()
        else this.held.delete(this.keyOf(label))
    }

    /** The pin levels: low pins spread through held keys until nothing changes. */
    pins(): number {
        let low = ~this.latch & 0xff
        for (let changed = true; changed; ) {
            changed = false
            for (const k of this.held) {
                const joined = (1 << (k >> 2)) | (1 << (4 + (k & 3)))
                if ((low & joined) !== 0 && (low & joined) !== joined) {
                    low |= joined
                    changed = true
                }
            }
        }
        return ~low & 0xff
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        for (const b of data) {
            this.latch = b
            this.written.push(b)
        }
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        this.reads++
        const out = Buffer.alloc(length)
        for (let i = 0; i < length; i++) out[i] = this.pins()
        return out
    }
}
