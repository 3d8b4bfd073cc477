// A board's I2C bus as a simulated Jacdac I2C service (spec: jacdac "i2c", 0x1c18ca43): the
// firmware's drivers send their transactions here (devices/common/i2c-bus.ts) and the emulated
// chips behind it answer, by address. One transaction at a time, in order, as on a real bus; an
// address with no chip answers NACK, a chip that throws answers NACK-on-data.

import type { I2cPort } from "../../src/drivers/i2c-port"
import { CMD_GET_REG } from "./frame"
import { SimService } from "./sim-device"

export const SRV_I2C = 0x1c18ca43
const CMD_TRANSACTION = 0x80
const REG_OK = 0x180
/** A transaction's answer: this status byte, then what was read. */
const STATUS = { ok: 0, nackAddress: 1, nackData: 2 }
/** A Jacdac packet carries 232 bytes of payload: the report's status byte plus what was read. */
export const MAX_I2C_READ = 231

export class SimI2cBus implements SimService {
    readonly serviceClass = SRV_I2C
    /** Transactions served, for tests and the benchmark. */
    transactions = 0
    private readonly chips = new Map<number, I2cPort>()
    private emit: (command: number, payload: Buffer) => void = () => {}
    private queue: Promise<void> = Promise.resolve()

    attach(emit: (command: number, payload: Buffer) => void): void {
        this.emit = emit
    }

    /** Puts a chip on the bus at its 7-bit address. */
    connect(address: number, chip: I2cPort): void {
        this.chips.set(address, chip)
    }

    handle(command: number, payload: Buffer): Buffer | null {
        if (command === (CMD_GET_REG | REG_OK)) return Buffer.from([1])
        if (command !== CMD_TRANSACTION || payload.length < 2) return null
        const address = payload[0] & 0x7f
        const readLength = payload[1]
        const write = Buffer.from(payload.subarray(2))
        this.queue = this.queue.then(async () => {
            this.emit(CMD_TRANSACTION, await this.transaction(address, write, readLength))
        })
        return null
    }

    private async transaction(address: number, write: Buffer, readLength: number): Promise<Buffer> {
        this.transactions++
        const chip = this.chips.get(address)
        if (!chip) return Buffer.from([STATUS.nackAddress])
        if (readLength > MAX_I2C_READ) return Buffer.from([STATUS.nackData])
        try {
            if (write.length > 0) await chip.write(address, write)
            const read = readLength > 0 ? await chip.read(address, readLength) : Buffer.alloc(0)
            return Buffer.concat([Buffer.from([STATUS.ok]), read])
        } catch {
            return Buffer.from([STATUS.nackData])
        }
    }
}
