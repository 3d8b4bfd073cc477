// The I2C bus as the drivers see it: DeviceScript's I2C on a board, a chip emulator in tests.

export interface I2cPort {
    write(address: number, data: Buffer): Promise<void>
    read(address: number, length: number): Promise<Buffer>
    /** A write then a read in one transaction (repeated start): how a register is read. */
    writeRead(address: number, data: Buffer, length: number): Promise<Buffer>
}
