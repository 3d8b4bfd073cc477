// The vending machine's real-time clock: a Maxim DS3231 (data sheet 19-5170, "Timekeeping
// Registers", figure 1) on the I2C bus at 0x68. Registers 0x00-0x06 hold seconds, minutes,
// hours, day of week, date, month (bit 7: century) and year in BCD; the hours register is in
// 24-hour mode unless bit 6 is set (then bit 5 is PM). The chip copies the time into its read
// buffer at each START, so one burst read of 0x00-0x0F is consistent. Bit 7 of the status
// register 0x0F, the oscillator-stop flag (OSF), is set at first power-up and whenever the
// oscillator stopped (both supplies lost, EOSC set on battery): the time is then not to be
// trusted, and now() says so with -1 until the time is set again, which clears it.
// The clock keeps UTC, years 2000-2199. Portable: the I2C bus is injected.

import { hexOfByte } from "../bytes"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"
import { isoWeekday, utcFields, utcSeconds } from "../utc-time"

export const DS3231_I2C_ADDRESS = 0x68
const REG_SECONDS = 0x00
const REG_CONTROL = 0x0e
const REG_STATUS = 0x0f
/** Control: EOSC, the oscillator stops on battery when set. */
const CONTROL_EOSC = 0x80
/** Status: OSF, the oscillator stopped since the flag was last cleared. */
const STATUS_OSF = 0x80
const HOURS_12 = 0x40
const HOURS_PM = 0x20
const MONTH_CENTURY = 0x80

export interface RtcReading {
    /** Seconds since 1970-01-01T00:00:00Z, as the registers hold it. */
    seconds: number
    /** False when the oscillator-stop flag is set: the time may be anything. */
    trusted: boolean
}

/** The value of BCD byte `b` under `mask`, or -1 when a digit is over 9. */
function fromBcd(b: number, mask: number): number {
    const v = b & mask
    const low = v & 0x0f
    const high = v >> 4
    return low > 9 || high > 9 ? -1 : high * 10 + low
}

function toBcd(n: number): number {
    const high = Math.floor(n / 10)
    return (high << 4) | (n - high * 10)
}

export class Ds3231Rtc {
    constructor(
        private readonly i2c: I2cPort,
        private readonly address: number = DS3231_I2C_ADDRESS,
    ) {}

    private async registers(from: number, length: number): Promise<Buffer> {
        let b: Buffer
        try {
            b = await this.i2c.writeRead(this.address, Buffer.from([from]), length)
        } catch (e) {
            throw new ChipError("no DS3231 answers at 0x" + hexOfByte(this.address) + " (" + (e as Error).message + ")")
        }
        if (b.length !== length) throw new ChipError("DS3231 answered " + b.length + " bytes for " + length)
        return b
    }

    private async writeRegisters(data: Buffer): Promise<void> {
        try {
            await this.i2c.write(this.address, data)
        } catch (e) {
            throw new ChipError("no DS3231 answers at 0x" + hexOfByte(this.address) + " (" + (e as Error).message + ")")
        }
    }

    /** Probes the chip: ChipError when nothing answers at its address. */
    async begin(): Promise<void> {
        await this.registers(REG_STATUS, 1)
    }

    /** The time and whether it can be trusted; ChipError when the registers hold no valid time. */
    async read(): Promise<RtcReading> {
        const r = await this.registers(REG_SECONDS, REG_STATUS + 1)
        const h = r[2]
        let hours = fromBcd(h, (h & HOURS_12) !== 0 ? 0x1f : 0x3f)
        if ((h & HOURS_12) !== 0 && hours >= 1 && hours <= 12) hours = (hours === 12 ? 0 : hours) + ((h & HOURS_PM) !== 0 ? 12 : 0)
        else if ((h & HOURS_12) !== 0) hours = -1
        const f = {
            year: 2000 + fromBcd(r[6], 0xff) + ((r[5] & MONTH_CENTURY) !== 0 ? 100 : 0),
            month: fromBcd(r[5], 0x1f),
            day: fromBcd(r[4], 0x3f),
            hours: hours,
            minutes: fromBcd(r[1], 0x7f),
            seconds: fromBcd(r[0], 0x7f),
        }
        const ok = f.year >= 2000 && f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= 31 && hours >= 0 && hours <= 23 && f.minutes >= 0 && f.minutes <= 59 && f.seconds >= 0 && f.seconds <= 59
        if (!ok) throw new ChipError("DS3231 registers hold no valid time")
        return { seconds: utcSeconds(f), trusted: (r[REG_STATUS] & STATUS_OSF) === 0 }
    }

    /** Seconds since 1970 by the clock, or -1 when its time is not to be trusted (OSF set). */
    async now(): Promise<number> {
        const r = await this.read()
        return r.trusted ? r.seconds : -1
    }

    /** Sets the time (24-hour mode), keeps the oscillator running on battery and clears OSF. */
    async set(seconds: number): Promise<void> {
        const f = utcFields(Math.floor(seconds))
        if (f.year < 2000 || f.year > 2199) throw new RangeError("the DS3231 keeps years 2000-2199")
        const century = f.year >= 2100 ? MONTH_CENTURY : 0
        const data = Buffer.alloc(8)
        data[0] = REG_SECONDS
        data[1] = toBcd(f.seconds)
        data[2] = toBcd(f.minutes)
        data[3] = toBcd(f.hours)
        data[4] = isoWeekday(seconds)
        data[5] = toBcd(f.day)
        data[6] = toBcd(f.month) | century
        data[7] = toBcd(f.year - 2000 - (century !== 0 ? 100 : 0))
        await this.writeRegisters(data)
        const cs = await this.registers(REG_CONTROL, 2)
        await this.writeRegisters(Buffer.from([REG_CONTROL, cs[0] & ~CONTROL_EOSC & 0xff, cs[1] & ~STATUS_OSF & 0xff]))
    }
}
