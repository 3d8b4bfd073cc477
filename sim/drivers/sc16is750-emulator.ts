// An SC16IS750 I2C-UART bridge at 0x4D, emulated at the register level for the infrared driver
// tests, and the infrared path between two of them. The register pointer, the divisor latch and
// enhanced-register access (LCR 0xBF for EFR), the IrDA enable bit in MCR (writable only with
// EFR[4] set), 64-byte FIFOs with TXLVL/RXLVL, and a line that moves about one byte per
// millisecond (9600 bit/s) from one transmit FIFO to the other receive FIFO while the two are in
// sight, both in IrDA mode at the same divisor. A full receive FIFO loses bytes, as the chip does.

import { I2cChip } from "./i2c-chip"

const FIFO = 64

export class Sc16is750Emulator extends I2cChip {
    private pointer = 0
    lcr = 0
    mcr = 0
    efr = 0
    dll = 0
    dlh = 0
    readonly tx: number[] = []
    readonly rx: number[] = []
    /** Bytes lost to a full receive FIFO. */
    overruns = 0

    irdaAt(): number {
        return (this.mcr & 0x40) !== 0 ? (this.dlh << 8) | this.dll : -1
    }

    receiveByte(b: number): void {
        if (this.rx.length >= FIFO) this.overruns++
        else this.rx.push(b)
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== 0x4d) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        if (data.length === 0) return
        this.pointer = (data[0] >> 3) & 0x0f
        for (let i = 1; i < data.length; i++) this.writeReg(this.pointer, data[i])
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (address !== 0x4d) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        const out = Buffer.alloc(length)
        for (let i = 0; i < length; i++) out[i] = this.readReg(this.pointer)
        return out
    }

    private writeReg(reg: number, v: number): void {
        const latch = (this.lcr & 0x80) !== 0
        if (reg === 0) {
            if (latch) this.dll = v
            else if (this.tx.length < FIFO) this.tx.push(v)
        } else if (reg === 1 && latch) this.dlh = v
        else if (reg === 2 && this.lcr === 0xbf) this.efr = v
        else if (reg === 2) {
            if (v & 0x02) this.rx.length = 0
            if (v & 0x04) this.tx.length = 0
        } else if (reg === 3) this.lcr = v
        else if (reg === 4) this.mcr = (this.efr & 0x10) !== 0 ? v : (this.mcr & 0x40) | (v & ~0x40)
    }

    private readReg(reg: number): number {
        const latch = (this.lcr & 0x80) !== 0
        if (reg === 0) return latch ? this.dll : (this.rx.shift() ?? 0)
        if (reg === 3) return this.lcr
        if (reg === 4) return this.mcr
        if (reg === 5) return (this.rx.length > 0 ? 0x01 : 0) | (this.tx.length === 0 ? 0x60 : 0)
        if (reg === 8) return FIFO - this.tx.length
        if (reg === 9) return this.rx.length
        return 0
    }
}

/** The infrared path between two bridges: both directions, about 9600 bit/s (or slowed down). */
export class IrLine {
    inSight = true
    /** Flip a bit in the byte that crosses after this many more (a noisy line); -1: none. */
    corruptIn = -1
    /** Sees each byte of light just before it arrives; it may take the card out of sight right then. */
    onByte: (fromA: boolean, byte: number) => void = () => {}
    private readonly timer: NodeJS.Timeout

    constructor(
        private readonly a: Sc16is750Emulator,
        private readonly b: Sc16is750Emulator,
        /** 1: a byte per millisecond, 9600 bit/s in real time; more for a slowed-down simulation. */
        msPerByte = 1,
    ) {
        this.timer = setInterval(() => {
            this.move(this.a, this.b)
            this.move(this.b, this.a)
        }, msPerByte)
    }

    private move(from: Sc16is750Emulator, to: Sc16is750Emulator): void {
        if (from.tx.length === 0) return
        const byte = from.tx.shift()!
        // Light only reaches a transceiver in sight, in IrDA mode, at the same speed.
        if (!this.inSight || from.irdaAt() < 0 || from.irdaAt() !== to.irdaAt()) return
        this.onByte(from === this.a, byte)
        if (!this.inSight) return
        const hit = this.corruptIn === 0
        if (this.corruptIn >= 0) this.corruptIn--
        to.receiveByte(hit ? byte ^ 0x10 : byte)
    }

    stop(): void {
        clearInterval(this.timer)
    }
}
