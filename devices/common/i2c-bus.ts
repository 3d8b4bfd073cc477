// The board's I2C bus as the drivers' I2cPort. On a board it is the runtime's native I2C (pins
// from the board definition). In the simulator there is no I2C hardware, so the same transactions
// go to a Jacdac I2C service (hosted by the simulator, with emulated chips behind it): the
// drivers, and the bytecode that runs them, are the same on both.

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { hexOfByte } from "../../src/bytes"

export class I2cBusError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "I2cBusError"
    }
}

type NativeI2c = typeof ds & {
    _i2cTransaction(address: number, write: Buffer, read?: Buffer): Promise<number>
}

/**
 * The bus: the runtime's native I2C when `role` is null, else transactions through a Jacdac I2C
 * service, one at a time and in turn (its reports carry no identifier). A round trip through the
 * simulator's bus takes about 20 ms (the VM's packet loop).
 */
class I2cBus implements I2cPort {
    private nextTicket = 0
    private serving = 0
    private answer: Buffer | null = null

    constructor(
        private readonly role: ds.I2C | null,
        private readonly timeoutMs: number,
    ) {
        const self = this
        if (role !== null) {
            role.report().subscribe(async (pkt: ds.Packet) => {
                if (pkt.serviceCommand === ds.I2CCodes.CmdTransaction) self.answer = pkt.payload
            })
        }
    }

    async write(address: number, data: Buffer): Promise<void> {
        await this.transaction(address, data, 0)
    }

    async read(address: number, length: number): Promise<Buffer> {
        return await this.transaction(address, Buffer.alloc(0), length)
    }

    async writeRead(address: number, data: Buffer, length: number): Promise<Buffer> {
        return await this.transaction(address, data, length)
    }

    private async transaction(address: number, data: Buffer, readLength: number): Promise<Buffer> {
        const role = this.role
        if (role === null) {
            // As @devicescript/i2c's xfer does it: the runtime's transaction call directly, without
            // that library's register helpers (about 400 bytes of the card's bytecode).
            const read = Buffer.alloc(readLength)
            const rc = await (ds as NativeI2c)._i2cTransaction(address, data, readLength > 0 ? read : undefined)
            if (rc !== 0) throw new I2cBusError("I2C transaction with 0x" + hexOfByte(address) + " failed (error " + rc + ")")
            return read
        }
        const ticket = this.nextTicket++
        while (ticket !== this.serving) await ds.sleep(1)
        try {
            this.answer = null
            await role.transaction(address, readLength, data)
            const start = ds.millis()
            while (this.answer === null && ds.millis() - start < this.timeoutMs) await ds.sleep(1)
            const a = this.answer
            this.answer = null
            if (a === null) throw new I2cBusError("I2C transaction with 0x" + hexOfByte(address) + " timed out")
            if (a.length < 1 || a[0] !== ds.I2CStatus.OK) throw new I2cBusError("I2C transaction with 0x" + hexOfByte(address) + " failed (status " + (a.length > 0 ? a[0] : -1) + ")")
            return a.slice(1, 1 + readLength)
        } finally {
            this.serving++
        }
    }
}

const simulatedBus = new ds.I2C()

/** The I2C bus, or null when there is none (a simulation without emulated chips). */
export async function openI2cBus(): Promise<I2cPort | null> {
    if (!ds.isSimulator()) return new I2cBus(null, 0)
    for (let i = 0; i < 60 && !simulatedBus.isBound; i++) await ds.sleep(25)
    return simulatedBus.isBound ? new I2cBus(simulatedBus, 200) : null
}
