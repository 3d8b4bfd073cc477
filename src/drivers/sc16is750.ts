// SC16IS750 I2C-UART bridge (NXP SC16IS740/750/760 data sheet): the registers, the set-up and the
// 64-byte FIFOs that every use of the chip shares. The same chip runs as a plain UART (the card's
// cellular modem at 0x4C, 115200 bit/s) or with its IrDA SIR encoder on (the infrared link at
// 0x4D, 9600 bit/s; sc16is750-irda.ts). The I2C register address is reg << 3 (channel 0).
// The modem's line uses automatic RTS/CTS flow control: 64 bytes last 5.5 ms at 115200 bit/s,
// less than a busy VM may take between two reads, so the chip drops RTS at 48 bytes in its receive
// FIFO and raises it again at 16. The infrared line has no such wires; at 9600 bit/s the FIFO
// lasts 66 ms. Portable: the I2C bus and the clock are injected.

import { I2cPort } from "./i2c-port"
import { UartPort } from "./uart-port"
import { ChipError } from "./chip-error"

/** The infrared bridge (A1 A0 wired for 0x4D). */
export const SC16IS750_I2C_ADDRESS = 0x4d
/** The modem's bridge (A1 A0 wired for 0x4C). */
export const SC16IS750_MODEM_ADDRESS = 0x4c
export const REG_RHR_THR = 0x00
export const REG_DLL = 0x00
export const REG_DLH = 0x01
export const REG_FCR = 0x02
export const REG_EFR = 0x02
export const REG_LCR = 0x03
export const REG_MCR = 0x04
/** The transmission control register, reached with EFR[4] and MCR[2] set. */
const REG_TCR = 0x06
export const REG_TXLVL = 0x08
export const REG_RXLVL = 0x09
const LCR_DIVISOR_LATCH = 0x80
const LCR_ENHANCED_ACCESS = 0xbf
const LCR_8N1 = 0x03
const EFR_ENHANCED_FUNCTIONS = 0x10
/** EFR[7] auto CTS, EFR[6] auto RTS, EFR[4] enhanced functions. */
export const EFR_AUTO_RTS_CTS = 0xd0
const MCR_TCR_TLR_ENABLE = 0x04
/** TCR: halt the far end at 48 bytes in the receive FIFO (12 x 4), resume it at 16 (4 x 4). */
const TCR_HALT_48_RESUME_16 = 0x4c
const FCR_ENABLE_AND_RESET = 0x07
export const MCR_IRDA_MODE = 0x40
/** 14.7456 MHz crystal / (16 * 9600 bit/s). */
export const DIVISOR_9600 = 96
/** 14.7456 MHz crystal / (16 * 115200 bit/s). */
export const DIVISOR_115200 = 8
const FIFO_SIZE = 64

export class Sc16is750 implements UartPort {
    constructor(
        private readonly i2c: I2cPort,
        protected readonly sleep: (ms: number) => Promise<void>,
        /** How long write() waits for room in a full transmit FIFO. */
        protected readonly timeoutMs: number,
        readonly address: number = SC16IS750_I2C_ADDRESS,
    ) {}

    private async writeReg(reg: number, value: number): Promise<void> {
        const b = Buffer.alloc(2)
        b[0] = reg << 3
        b[1] = value
        await this.i2c.write(this.address, b)
    }

    private async readReg(reg: number): Promise<number> {
        const a = Buffer.alloc(1)
        a[0] = reg << 3
        const r = await this.i2c.writeRead(this.address, a, 1)
        return r.length === 1 ? r[0] : 0
    }

    /**
     * 8N1 at 14.7456 MHz / (16 * divisor), FIFOs on and emptied, and MCR as given (MCR_IRDA_MODE
     * for IrDA SIR, 0 for a plain UART; the IrDA bit is an enhanced one, hence the EFR step), EFR
     * as given (EFR_AUTO_RTS_CTS for a line with flow control wires) and the flow-control levels.
     * Reads the settings back, so a missing chip is an error here rather than silence later.
     */
    async configure(divisor: number, mcr: number, efr: number = EFR_ENHANCED_FUNCTIONS): Promise<void> {
        await this.writeReg(REG_LCR, LCR_DIVISOR_LATCH)
        await this.writeReg(REG_DLL, divisor)
        await this.writeReg(REG_DLH, 0)
        await this.writeReg(REG_LCR, LCR_ENHANCED_ACCESS)
        await this.writeReg(REG_EFR, efr)
        await this.writeReg(REG_LCR, LCR_8N1)
        await this.writeReg(REG_FCR, FCR_ENABLE_AND_RESET)
        await this.writeReg(REG_MCR, MCR_TCR_TLR_ENABLE)
        await this.writeReg(REG_TCR, TCR_HALT_48_RESUME_16)
        await this.writeReg(REG_MCR, mcr)
        if ((await this.readReg(REG_MCR)) === mcr && (await this.readReg(REG_LCR)) === LCR_8N1) return
        throw new ChipError("an SC16IS750 did not take its settings (is it on the bus?)")
    }

    /** Sends the bytes, never overfilling the 64-byte transmit FIFO. */
    async write(data: Buffer): Promise<void> {
        let o = 0
        for (let waited = 0; o < data.length; ) {
            const room = Math.min(await this.readReg(REG_TXLVL), FIFO_SIZE)
            if (room === 0) {
                if (waited > this.timeoutMs) throw new ChipError("SC16IS750 transmit FIFO stuck full")
                await this.sleep(2)
                waited += 2
                continue
            }
            const n = Math.min(room, data.length - o)
            // Byte 0 is the register address of THR: 0, as allocated.
            const chunk = Buffer.alloc(1 + n)
            chunk.set(data.slice(o, o + n), 1)
            await this.i2c.write(this.address, chunk)
            o += n
        }
    }

    /** What the receive FIFO holds now (up to 64 bytes), empty when nothing came. */
    async read(): Promise<Buffer> {
        const n = await this.readReg(REG_RXLVL)
        if (n === 0) return Buffer.alloc(0)
        // The register address of RHR is 0.
        return await this.i2c.writeRead(this.address, Buffer.alloc(1), Math.min(n, FIFO_SIZE))
    }
}
