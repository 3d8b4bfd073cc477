// A DS3231 real-time clock at 0x68, emulated at the register level for the driver tests and the
// vending board's simulation: a register pointer that a write sets and each byte moves on,
// timekeeping registers 0x00-0x06 in BCD computed from a base time running on the host's clock
// (a write to them sets that base, as the chip restarts its countdown chain), 12- or 24-hour
// mode as the hours register was last written, the control register 0x0E and the status
// register 0x0F whose oscillator-stop flag is set at power-up and by stopOscillator(), and which
// a write can only clear.

import { I2cChip } from "./i2c-chip"
import { isoWeekday, utcFields, utcSeconds } from "../../src/utc-time"

const REGISTERS = 0x13
const OSF = 0x80

function bcd(n: number): number {
    return ((n / 10) << 4) | n % 10
}

function unbcd(b: number): number {
    return (b >> 4) * 10 + (b & 0x0f)
}

export class Ds3231Emulator extends I2cChip {
    private pointer = 0
    readonly regs = Buffer.alloc(REGISTERS)
    private baseSeconds = 946684800 // 2000-01-01T00:00:00Z, the chip's power-up time
    private baseAt: number
    private twelveHour = false
    /** I2C transactions answered, for tests that count them. */
    transactions = 0

    constructor(
        /** The host's clock in milliseconds: how the emulated time runs. */
        private readonly clock: () => number = Date.now,
        readonly address = 0x68,
    ) {
        super()
        this.baseAt = clock()
        this.regs[0x0e] = 0x1c
        this.regs[0x0f] = OSF | 0x08
    }

    /** The time as the chip keeps it, in seconds since 1970. */
    now(): number {
        return this.baseSeconds + Math.floor((this.clock() - this.baseAt) / 1000)
    }

    /** Sets the time from outside (the simulator starting the board), leaving the flags alone. */
    setTime(seconds: number): void {
        this.baseSeconds = Math.floor(seconds)
        this.baseAt = this.clock()
    }

    /** Both supplies lost, or the oscillator stopped: OSF is set and the time is not to be trusted. */
    stopOscillator(): void {
        this.regs[0x0f] |= OSF
    }

    oscillatorStopped(): boolean {
        return (this.regs[0x0f] & OSF) !== 0
    }

    /** Registers 0x00-0x06 from the running time. */
    private latchTime(): void {
        const s = this.now()
        const f = utcFields(s)
        this.regs[0] = bcd(f.seconds)
        this.regs[1] = bcd(f.minutes)
        if (this.twelveHour) {
            const h = f.hours % 12 === 0 ? 12 : f.hours % 12
            this.regs[2] = 0x40 | (f.hours >= 12 ? 0x20 : 0) | bcd(h)
        } else this.regs[2] = bcd(f.hours)
        this.regs[3] = isoWeekday(s)
        this.regs[4] = bcd(f.day)
        this.regs[5] = bcd(f.month) | (f.year >= 2100 ? 0x80 : 0)
        this.regs[6] = bcd(f.year - (f.year >= 2100 ? 2100 : 2000))
    }

    /** The running time from registers 0x00-0x06 as just written. */
    private takeTime(): void {
        const h = this.regs[2]
        this.twelveHour = (h & 0x40) !== 0
        let hours = this.twelveHour ? unbcd(h & 0x1f) % 12 + ((h & 0x20) !== 0 ? 12 : 0) : unbcd(h & 0x3f)
        const century = (this.regs[5] & 0x80) !== 0 ? 100 : 0
        this.setTime(utcSeconds({ year: 2000 + century + unbcd(this.regs[6]), month: unbcd(this.regs[5] & 0x1f), day: unbcd(this.regs[4] & 0x3f), hours, minutes: unbcd(this.regs[1] & 0x7f), seconds: unbcd(this.regs[0] & 0x7f) }))
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        this.transactions++
        if (data.length === 0) return
        this.pointer = data[0] % REGISTERS
        this.latchTime()
        let timeWritten = false
        for (let i = 1; i < data.length; i++) {
            const r = this.pointer
            if (r === 0x0f) this.regs[r] = (this.regs[r] & data[i] & OSF) | (data[i] & 0x7f)
            else this.regs[r] = data[i]
            if (r <= 0x06) timeWritten = true
            this.pointer = (this.pointer + 1) % REGISTERS
        }
        if (timeWritten) this.takeTime()
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (address !== this.address) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        this.transactions++
        this.latchTime()
        const out = Buffer.alloc(length)
        for (let i = 0; i < length; i++) {
            out[i] = this.regs[this.pointer]
            this.pointer = (this.pointer + 1) % REGISTERS
        }
        return out
    }
}
