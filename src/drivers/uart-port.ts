// A serial line as the drivers see it: an I2C-UART bridge on a board, a scripted line in tests.

export interface UartPort {
    /** Sends the bytes, waiting while the transmit side is full. */
    write(data: Buffer): Promise<void>
    /** The bytes received since the last call; empty when none came. */
    read(): Promise<Buffer>
}
