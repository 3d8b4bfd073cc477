// An SC16IS750 I2C-UART bridge (0x4D for infrared, 0x4C for the card's modem), emulated at the
// register level for the driver tests, and the two kinds of line it drives. The register pointer,
// the divisor latch and enhanced-register access (LCR 0xBF for EFR), the IrDA enable bit in MCR
// (writable only with EFR[4] set), 64-byte FIFOs with TXLVL/RXLVL. IrLine: the infrared path
// between two bridges, about one byte per millisecond (9600 bit/s) from one transmit FIFO to the
// other receive FIFO while the two are in sight, both in IrDA mode at the same divisor (one end can
// be turned to another bridge, as a card is held up to another board). UartLine:
// a plain serial line to a byte-stream device (the modem emulator) at a fixed speed, carrying
// bytes only while the bridge is in UART mode at that speed. A full receive FIFO loses bytes, as
// the chip does. With auto RTS (EFR[6]) the bridge drops RTS when its receive FIFO reaches TCR's
// halt level and raises it at the resume level; a device that uses RTS/CTS holds its output meanwhile.

import { I2cChip } from "./i2c-chip"
import { encodeSirFrame, SirReceiver } from "../../src/link/irda-sir"

const FIFO = 64

export class Sc16is750Emulator extends I2cChip {
    constructor(readonly address = 0x4d) {
        super()
    }

    private pointer = 0
    lcr = 0
    mcr = 0
    efr = 0
    /** Transmission control: halt level in bits 3:0, resume level in 7:4, in units of 4 bytes. */
    tcr = 0
    private rtsHalted = false
    dll = 0
    dlh = 0
    readonly tx: number[] = []
    readonly rx: number[] = []
    /** Bytes lost to a full receive FIFO. */
    overruns = 0

    irdaAt(): number {
        return (this.mcr & 0x40) !== 0 ? (this.dlh << 8) | this.dll : -1
    }

    /** The divisor while in plain UART mode at 8N1, else -1. */
    uartAt(): number {
        return (this.mcr & 0x40) === 0 && this.lcr === 0x03 ? (this.dlh << 8) | this.dll : -1
    }

    /**
     * The RTS pin, asserted (ready) unless auto RTS is on and the receive FIFO reached the halt
     * level; it stays dropped until the FIFO drains to the resume level.
     */
    rts(): boolean {
        if ((this.efr & 0x40) === 0) return true
        if (this.rtsHalted && this.rx.length <= (this.tcr >> 4) * 4) this.rtsHalted = false
        else if (!this.rtsHalted && this.rx.length >= (this.tcr & 0x0f) * 4) this.rtsHalted = true
        return !this.rtsHalted
    }

    receiveByte(b: number): void {
        if (this.rx.length >= FIFO) this.overruns++
        else this.rx.push(b)
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        if (data.length === 0) return
        this.pointer = (data[0] >> 3) & 0x0f
        for (let i = 1; i < data.length; i++) this.writeReg(this.pointer, data[i])
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
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
        else if (reg === 6 && (this.efr & 0x10) !== 0 && (this.mcr & 0x04) !== 0) this.tcr = v
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
    /** Every bridge the B end was ever turned to: those it faces no more send into the void. */
    private readonly stations: Sc16is750Emulator[]
    /**
     * An attacker in the light path: each whole SIR frame the station (A end) sends (its content: the
     * exchange number and the APDU) is taken off the
     * line, passed through this, and sent on to B re-encoded, a byte a tick; null: light passes.
     */
    rewriteToB: ((frame: Buffer) => Buffer) | null = null
    private readonly rewritten: number[] = []
    private readonly rewriteReader = new SirReceiver({
        frame: (content: Buffer) => {
            const out = this.rewriteToB === null ? content : this.rewriteToB(content)
            for (const byte of encodeSirFrame(out, 10)) this.rewritten.push(byte)
        },
        dropped: () => {},
    })

    constructor(
        private a: Sc16is750Emulator,
        private readonly b: Sc16is750Emulator,
        /** 1: a byte per millisecond, 9600 bit/s in real time; more for a slowed-down simulation. */
        msPerByte = 1,
    ) {
        this.stations = [a]
        this.timer = setInterval(() => {
            this.move(this.a, this.b)
            if (this.rewritten.length > 0 && this.inSight) this.b.receiveByte(this.rewritten.shift()!)
            this.move(this.b, this.a)
            for (const s of this.stations) if (s !== this.a) s.tx.shift()
        }, msPerByte)
    }

    /** Turns the B end towards another bridge (a card held up to another board's port). */
    aim(a: Sc16is750Emulator): void {
        if (!this.stations.includes(a)) this.stations.push(a)
        this.a = a
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
        if (from === this.a && this.rewriteToB !== null) this.rewriteReader.push(Buffer.from([hit ? byte ^ 0x10 : byte]))
        else to.receiveByte(hit ? byte ^ 0x10 : byte)
    }

    stop(): void {
        clearInterval(this.timer)
    }
}

/** A byte-stream device on the far end of a serial line: the modem emulator. */
export interface SerialDevice {
    /** Bytes from the bridge's TX pin. */
    input(data: Buffer): void
    /** Takes up to max bytes the device has ready for the bridge's RX pin. */
    takeOutput(max: number): Buffer
    /** Whether the device holds its output while the bridge's RTS is dropped (its CTS input). */
    usesRtsCts(): boolean
}

/** A serial line from a bridge in UART mode to a device: both directions at the divisor's speed. */
export class UartLine {
    private readonly timer: NodeJS.Timeout
    /** Bytes sent while the bridge was not in UART mode at the line's speed (lost as garbage). */
    garbled = 0

    constructor(
        private readonly bridge: Sc16is750Emulator,
        private readonly device: SerialDevice,
        /** The divisor the device's speed needs: 8 for 115200 bit/s. */
        private readonly divisor = 8,
        /** Bytes per millisecond each way: 11 at 115200 bit/s (10 bits a byte). */
        private readonly bytesPerMs = 11,
    ) {
        this.timer = setInterval(() => this.move(), 1)
    }

    private move(): void {
        const inTune = this.bridge.uartAt() === this.divisor
        const out = this.bridge.tx.splice(0, this.bytesPerMs)
        if (out.length > 0) {
            if (inTune) this.device.input(Buffer.from(out))
            else this.garbled += out.length
        }
        const held = this.device.usesRtsCts() && !this.bridge.rts()
        const back = held ? Buffer.alloc(0) : this.device.takeOutput(this.bytesPerMs)
        if (inTune) for (const b of back) this.bridge.receiveByte(b)
        else this.garbled += back.length
    }

    stop(): void {
        clearInterval(this.timer)
    }
}
