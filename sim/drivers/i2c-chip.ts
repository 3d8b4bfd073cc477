// What every emulated I2C chip shares: a register read is a write then a read (repeated start).

import type { I2cPort } from "../../src/drivers/i2c-port"

export abstract class I2cChip implements I2cPort {
    abstract write(address: number, data: Buffer): Promise<void>
    abstract read(address: number, length: number): Promise<Buffer>

    async writeRead(address: number, data: Buffer, length: number): Promise<Buffer> {
        await this.write(address, data)
        return await this.read(address, length)
    }
}
