// The card board's emulated I2C bus (sim/simulator/chip-boards.ts) at the addresses of
// boards/activecard_card.board.json: the keypad's PCF8574 at 0x20 with a key held, the modem's
// UART bridge at 0x4C once connected, and nothing at 0x4C before.

import { afterEach, describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { CARD_MODEM_UART_ADDRESS, ChipBoards } from "../../sim/simulator/chip-boards"
import type { SimI2cBus } from "../../sim/jacdac/i2c-bus-service"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { KEYPAD_4X4_LABELS, KEYPAD_I2C_ADDRESS, Pcf8574Keypad } from "../../src/drivers/pcf8574-keypad"

const CMD_TRANSACTION = 0x80

/** One transaction through the bus service as the firmware sends it: [status, ...read]. */
async function transact(bus: SimI2cBus, address: number, write: number[], readLength: number): Promise<Buffer> {
    const answer = new Promise<Buffer>((resolve) => bus.attach((_command, payload) => resolve(payload)))
    bus.handle(CMD_TRANSACTION, Buffer.from([address, readLength, ...write]))
    return await answer
}

/** The bus service as the drivers' I2cPort (what devices/common/i2c-bus.ts does in the VM). */
function port(bus: SimI2cBus): I2cPort {
    const check = (a: Buffer) => {
        if (a[0] !== 0) throw new Error("NACK " + a[0])
        return a.subarray(1)
    }
    return {
        write: async (address, data) => void check(await transact(bus, address, [...data], 0)),
        read: async (address, length) => check(await transact(bus, address, [], length)),
        writeRead: async (address, data, length) => check(await transact(bus, address, [...data], length)),
    }
}

describe("the card board's I2C bus", () => {
    let chips: ChipBoards | null = null
    afterEach(() => chips?.stop())

    test("the board definition names the keypad and the modem's bridge at the addresses the simulator uses", () => {
        const board = JSON.parse(readFileSync("boards/activecard_card.board.json", "utf8"))
        expect(parseInt(board.$modules.keypad_pcf8574)).toBe(KEYPAD_I2C_ADDRESS)
        expect(parseInt(board.$modules.modem_sc16is750)).toBe(CARD_MODEM_UART_ADDRESS)
        expect(board.pins.MODEM_PWRKEY).toBe(10)
        // One chip per address on the card's bus.
        const addresses = Object.values(board.$modules as Record<string, string>).map((a) => parseInt(a))
        expect(new Set(addresses).size).toBe(addresses.length)
    })

    test("the keypad driver reads a key held on the card's keypad", async () => {
        chips = new ChipBoards({ command: () => true, response: () => true })
        const keypad = new Pcf8574Keypad(port(chips.cardBus))
        await keypad.begin()
        chips.cardKeypad.press("8")
        expect(KEYPAD_4X4_LABELS.charAt(await keypad.scan())).toBe("8")
        expect(chips.keypad.reads).toBe(0) // the terminal's keypad is another chip
    })

    test("the modem's UART bridge answers at 0x4C once connected, and nothing does before", async () => {
        chips = new ChipBoards({ command: () => true, response: () => true })
        expect((await transact(chips.cardBus, CARD_MODEM_UART_ADDRESS, [0x00], 1))[0]).toBe(1) // NACK on the address
        const seen: number[][] = []
        chips.connectModem({
            write: async (_a, data) => void seen.push([...data]),
            read: async (_a, length) => Buffer.alloc(length, 0x5a),
            writeRead: async () => Buffer.alloc(0),
        })
        expect([...(await transact(chips.cardBus, CARD_MODEM_UART_ADDRESS, [0x48], 1))]).toEqual([0, 0x5a])
        expect(seen).toEqual([[0x48]])
    })
})
