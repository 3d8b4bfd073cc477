// The card's AT modem driver: the cases shared with the VM program (a scripted line), then the
// driver against the modem emulator through an emulated SC16IS750 in UART mode, and the whole
// SMS path end to end: service provider (SMPP client) -> mock SMSC -> radio network -> modem
// emulator -> serial line -> SC16IS750 at 0x4C -> the portable drivers.

import { afterEach, describe, expect, test } from "vitest"
import { atModemCases } from "../shared/at-modem-cases"
import { AtCommandError, AtModem, waitMessage } from "../../src/drivers/at-modem"
import { ChipError } from "../../src/drivers/chip-error"
import { DIVISOR_115200, EFR_AUTO_RTS_CTS, Sc16is750, SC16IS750_MODEM_ADDRESS } from "../../src/drivers/sc16is750"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { Sc16is750Emulator, UartLine } from "../../sim/drivers/sc16is750-emulator"
import { ModemEmulator } from "../../sim/sms/modem-emulator"
import { Smsc } from "../../sim/sms/smsc"
import { SmppSender } from "../../sim/sms/smpp-sender"

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.()
})

describe("AT modem driver on a scripted line (the VM program runs the same cases)", () => {
    for (const c of atModemCases()) test(c.name, async () => await c.run({} as never))
})

/** An I2C bus whose every transaction takes `ms`, as the simulator's bus does (~20 ms; 0.1 ms on a board). */
function slowBus(chip: I2cPort, ms: number): I2cPort {
    return {
        write: async (a, d) => {
            await sleep(ms)
            await chip.write(a, d)
        },
        read: async (a, n) => {
            await sleep(ms)
            return await chip.read(a, n)
        },
        writeRead: async (a, w, n) => {
            await sleep(ms)
            return await chip.writeRead(a, w, n)
        },
    }
}

/**
 * The card's side: modem emulator <- serial line -> SC16IS750 emulator at 0x4C <- drivers, with
 * RTS/CTS flow control as the card sets it up (or without, `efr` 0x10), over a bus whose
 * transactions take `busMs`.
 */
async function card(msisdn: string, capacity = 10, efr = EFR_AUTO_RTS_CTS, busMs = 0) {
    const modem = new ModemEmulator(msisdn, capacity)
    const bridge = new Sc16is750Emulator(SC16IS750_MODEM_ADDRESS)
    const line = new UartLine(bridge, modem)
    cleanups.push(() => line.stop())
    const uart = new Sc16is750(busMs > 0 ? slowBus(bridge, busMs) : bridge, sleep, 500, SC16IS750_MODEM_ADDRESS)
    await uart.configure(DIVISOR_115200, 0, efr)
    const driver = new AtModem(uart, sleep, 1000)
    return { modem, bridge, line, uart, driver }
}

describe("AT modem driver through an SC16IS750 in UART mode to the modem emulator", () => {
    test("the bridge at 0x4C is set to 115200 bit/s 8N1, plain UART (no IrDA bit)", async () => {
        const c = await card("+821012345678")
        expect(c.bridge.dll).toBe(8)
        expect(c.bridge.lcr).toBe(0x03)
        expect(c.bridge.mcr & 0x40).toBe(0)
        expect(c.bridge.uartAt()).toBe(8)
        await expect(new Sc16is750(c.bridge, sleep, 10, 0x4d).configure(DIVISOR_115200, 0)).rejects.toThrow(/no I2C device at 0x4d/)
        const absent = { write: async () => {}, read: async (_a: number, n: number) => Buffer.alloc(n), writeRead: async (_a: number, _w: Buffer, n: number) => Buffer.alloc(n) }
        await expect(new Sc16is750(absent, sleep, 10, 0x4c).configure(DIVISOR_115200, 0)).rejects.toThrow(ChipError)
    })

    test("begin() sets the modem up; a delivered message is announced, read and deleted", async () => {
        const c = await card("+821012345678")
        await c.driver.begin()
        expect(c.modem.echo).toBe(false)
        expect(c.modem.textMode).toBe(true)
        expect(c.modem.indications).toBe(1)
        c.modem.deliver({ from: "+15550100", text: "ACSIGN 0123456789abcdef", time: new Date(Date.UTC(2026, 11, 5, 21, 41, 56)) })
        const index = await waitMessage(c.driver, sleep, 1000)
        expect(index).toBe(1)
        expect(await c.driver.readMessage(index)).toEqual({ sender: "+15550100", time: "26/12/05,21:41:56+00", text: "ACSIGN 0123456789abcdef" })
        await c.driver.deleteMessage(index)
        expect(c.modem.used()).toBe(0)
        const e = await c.driver.readMessage(index).catch((x) => x)
        expect(e).toBeInstanceOf(AtCommandError)
        expect(e.result).toBe("+CMS ERROR: 321")
        expect(c.bridge.overruns).toBe(0)
    })

    test("a 160-character text crosses the 64-byte FIFO without overrun", async () => {
        const c = await card("+821012345678")
        await c.driver.begin()
        const text = "0123456789".repeat(16)
        c.modem.deliver({ from: "+15550100", text, time: new Date() })
        const m = await c.driver.readMessage(await waitMessage(c.driver, sleep, 1000))
        expect(m.text).toBe(text)
        expect(c.bridge.overruns).toBe(0)
    })

    test("RTS/CTS: a reader slower than the line loses nothing; without flow control the FIFO overruns", async () => {
        const text = "0123456789".repeat(16)
        const withFlow = await card("+821012345678", 10, EFR_AUTO_RTS_CTS, 15)
        await withFlow.driver.begin()
        expect(withFlow.modem.rtsCts).toBe(true)
        expect(withFlow.bridge.tcr).toBe(0x4c)
        withFlow.modem.deliver({ from: "+15550100", text, time: new Date() })
        expect((await withFlow.driver.readMessage(await waitMessage(withFlow.driver, sleep, 2000))).text).toBe(text)
        expect(withFlow.bridge.overruns).toBe(0)

        const without = await card("+821012345678", 10, 0x10, 15)
        await without.driver.begin().catch(() => {}) // an answer may already be cut short here
        without.modem.rtsCts = false
        without.modem.deliver({ from: "+15550100", text, time: new Date() })
        await without.driver.readMessage(1).catch(() => {})
        expect(without.bridge.overruns).toBeGreaterThan(0)
    })

    test("end to end: the service provider's SMPP send reaches the card's driver", async () => {
        const smsc = new Smsc({ accounts: [{ systemId: "provider", password: "secret12" }] })
        const port = await smsc.listen(0)
        cleanups.push(() => smsc.close())
        const sender = new SmppSender({ host: "127.0.0.1", port, systemId: "provider", password: "secret12", sourceAddr: "+15550100" })
        cleanups.push(() => sender.close())
        // Sent before the card is on the network: the SMSC keeps it.
        await sender.send("+821012345678", "ACSIGN 00000000000000aa")
        const c = await card("+821012345678")
        await c.driver.begin()
        c.modem.attach(smsc)
        await sender.send("+821012345678", "ACSIGN 00000000000000bb")
        const got: string[] = []
        for (let i = 0; i < 2; i++) {
            const index = await waitMessage(c.driver, sleep, 2000)
            const m = await c.driver.readMessage(index)
            expect(m.sender).toBe("+15550100")
            got.push(m.text)
            await c.driver.deleteMessage(index)
        }
        expect(got).toEqual(["ACSIGN 00000000000000aa", "ACSIGN 00000000000000bb"])
    })

    test("at the wrong speed the line carries nothing and the driver times out with a clear error", async () => {
        const c = await card("+821012345678")
        await c.uart.configure(96, 0) // 9600 bit/s: the modem listens at 115200
        const e = await new AtModem(c.uart, sleep, 100).command("AT").catch((x) => x)
        expect(e.name).toBe("AtTimeoutError")
        expect(c.line.garbled).toBeGreaterThan(0)
    })
})
