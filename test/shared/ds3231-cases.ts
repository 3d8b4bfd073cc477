// The DS3231 driver (src/drivers/ds3231-rtc.ts) and the UTC conversions under it
// (src/utc-time.ts) against a register file that answers as the chip does, written to run in
// Node and inside the DeviceScript VM: BCD decoding in 24- and 12-hour mode, the century bit,
// the oscillator-stop flag, setting the time, registers with no valid time and a missing chip.

import { toHex } from "../../src/bytes"
import { ChipError } from "../../src/drivers/chip-error"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Ds3231Rtc } from "../../src/drivers/ds3231-rtc"
import { isoWeekday, utcSeconds, utcText } from "../../src/utc-time"
import { CryptoCase } from "./crypto-cases"

/** Registers 0x00-0x12 behind a pointer, no running time: what a burst read sees at one instant. */
class RegisterFile implements I2cPort {
    regs = Buffer.alloc(0x13)
    writes: string[] = []
    present = true
    private pointer = 0

    constructor(hexImage: string) {
        const b = Buffer.from(hexImage, "hex")
        for (let i = 0; i < b.length; i++) this.regs[i] = b[i]
    }

    async write(address: number, data: Buffer): Promise<void> {
        if (!this.present || address !== 0x68) throw new Error("no answer")
        this.writes.push(toHex(data))
        this.pointer = data[0]
        for (let i = 1; i < data.length; i++) this.regs[this.pointer++] = data[i]
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (!this.present || address !== 0x68) throw new Error("no answer")
        const out = Buffer.alloc(length)
        for (let i = 0; i < length; i++) out[i] = this.regs[this.pointer++]
        return out
    }

    async writeRead(address: number, data: Buffer, length: number): Promise<Buffer> {
        await this.write(address, data)
        return await this.read(address, length)
    }
}

function expectEqual(actual: number | string | boolean, expected: number | string | boolean, what: string): void {
    if (actual !== expected) throw new Error(what + ": got " + actual + " expected " + expected)
}

async function expectChipError(run: () => Promise<unknown>, what: string): Promise<void> {
    let thrown: unknown = null
    try {
        await run()
    } catch (e) {
        thrown = e
    }
    if (!(thrown instanceof ChipError)) throw new Error(what + ": no ChipError")
}

/** 2026-12-05 (a Saturday) 21:57:16 UTC, status 0x08 (OSF clear, 32 kHz output on). */
const SAT_2026 = "1657210605122600000000000000" + "1c08"

export function ds3231Cases(): CryptoCase[] {
    return [
        {
            name: "UTC text, seconds and weekdays across leap days and centuries",
            run: () => {
                expectEqual(utcText(0), "1970-01-01T00:00:00Z", "epoch")
                expectEqual(utcText(1796507836), "2026-12-05T21:57:16Z", "2026")
                expectEqual(utcText(951868799), "2000-02-29T23:59:59Z", "leap day 2000")
                expectEqual(utcText(4102444799), "2099-12-31T23:59:59Z", "end of 2099")
                expectEqual(utcText(4107542400), "2100-03-01T00:00:00Z", "2100 is no leap year")
                expectEqual(utcSeconds({ year: 2100, month: 3, day: 1, hours: 0, minutes: 0, seconds: 0 }), 4107542400, "seconds of 2100-03-01")
                expectEqual(isoWeekday(0), 4, "1970-01-01 was a Thursday")
                expectEqual(isoWeekday(1796507836), 6, "2026-12-05 is a Saturday")
                for (let s = 946684800; s < 4102444800; s += 77777777) {
                    const t = utcText(s)
                    const f = { year: parseInt(t.slice(0, 4)), month: parseInt(t.slice(5, 7)), day: parseInt(t.slice(8, 10)), hours: parseInt(t.slice(11, 13)), minutes: parseInt(t.slice(14, 16)), seconds: parseInt(t.slice(17, 19)) }
                    expectEqual(utcSeconds(f), s, "round trip of " + t)
                }
            },
        },
        {
            name: "DS3231: BCD time registers in 24-hour mode read as UTC seconds, trusted",
            run: async () => {
                const rtc = new Ds3231Rtc(new RegisterFile(SAT_2026))
                await rtc.begin()
                const r = await rtc.read()
                expectEqual(r.seconds, 1796507836, "seconds")
                expectEqual(r.trusted, true, "trusted")
                expectEqual(await rtc.now(), 1796507836, "now")
            },
        },
        {
            name: "DS3231: 12-hour mode (9 PM) and the century bit (2100)",
            run: async () => {
                const pm = new Ds3231Rtc(new RegisterFile("1657690605122600000000000000" + "1c00"))
                expectEqual(await pm.now(), 1796507836, "9 PM is 21:00")
                const midnight = new Ds3231Rtc(new RegisterFile("0000520101830000000000000000" + "1c00"))
                expectEqual(await midnight.now(), 4107542400, "12 AM of 2100-03-01")
            },
        },
        {
            name: "DS3231: the oscillator-stop flag makes the time untrusted (now() is -1)",
            run: async () => {
                const rtc = new Ds3231Rtc(new RegisterFile("1657210605122600000000000000" + "1c88"))
                const r = await rtc.read()
                expectEqual(r.trusted, false, "trusted")
                expectEqual(r.seconds, 1796507836, "the registers are still read")
                expectEqual(await rtc.now(), -1, "now")
            },
        },
        {
            name: "DS3231: set() writes the BCD registers, then clears EOSC and OSF and nothing else",
            run: async () => {
                const chip = new RegisterFile("0000000101010000000000000000" + "9c8b")
                const rtc = new Ds3231Rtc(chip)
                await rtc.set(1796507836)
                expectEqual(chip.writes[0], "0016572106051226", "time registers")
                expectEqual(chip.writes[chip.writes.length - 1], "0e1c0b", "control and status")
                expectEqual(await rtc.now(), 1796507836, "read back")
                await rtc.set(4107542400)
                expectEqual(chip.writes[chip.writes.length - 3], "0000000001018300", "2100 sets the century bit")
                expectEqual(await rtc.now(), 4107542400, "read back 2100")
            },
        },
        {
            name: "DS3231: registers without a valid time and a missing chip are ChipErrors",
            run: async () => {
                await expectChipError(async () => await new Ds3231Rtc(new RegisterFile("5a57210605122600000000000000" + "1c00")).read(), "seconds digit over 9")
                await expectChipError(async () => await new Ds3231Rtc(new RegisterFile("1657210605132600000000000000" + "1c00")).read(), "month 13")
                await expectChipError(async () => await new Ds3231Rtc(new RegisterFile("1657730605122600000000000000" + "1c00")).read(), "13 PM")
                const absent = new RegisterFile(SAT_2026)
                absent.present = false
                await expectChipError(async () => await new Ds3231Rtc(absent).begin(), "no chip")
                await expectChipError(async () => await new Ds3231Rtc(absent).now(), "no chip, now")
            },
        },
    ]
}
