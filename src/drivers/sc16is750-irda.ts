// Infrared link through an SC16IS750 I2C-UART bridge in IrDA SIR mode (9600 bit/s, the SIR
// default) with an IrDA transceiver on its TX/RX pins. Each APDU travels in one IrDA SIR frame
// (src/link/irda-sir.ts): the terminal sends a command frame and waits for the answer frame; the
// card waits for a command frame and sends its answer. Same APDUs as over NFC.
// Registers (NXP SC16IS740/750/760 data sheet): the I2C register address is reg << 3 (channel 0).
// Portable: the I2C bus and the clock are injected.

import { ApduLink, LinkLostError } from "../link/apdu-link"
import { encodeSirFrame, SirReceiver } from "../link/irda-sir"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"

export const SC16IS750_I2C_ADDRESS = 0x4d
export const REG_RHR_THR = 0x00
export const REG_DLL = 0x00
export const REG_DLH = 0x01
export const REG_FCR = 0x02
export const REG_EFR = 0x02
export const REG_LCR = 0x03
export const REG_MCR = 0x04
export const REG_TXLVL = 0x08
export const REG_RXLVL = 0x09
const LCR_DIVISOR_LATCH = 0x80
const LCR_ENHANCED_ACCESS = 0xbf
const LCR_8N1 = 0x03
const EFR_ENHANCED_FUNCTIONS = 0x10
const FCR_ENABLE_AND_RESET = 0x07
const MCR_IRDA_MODE = 0x40
/** 14.7456 MHz crystal / (16 * 9600 bit/s). */
export const DIVISOR_9600 = 96
/** Extra BOFs before each frame, so the receiver's UART is awake (IrLAP asks for at least 10 at 9600). */
const EXTRA_BOFS = 10
const FIFO_SIZE = 64

export class Sc16is750Irda implements ApduLink {
    private frames: Buffer[] = []
    private readonly receiver: SirReceiver
    /** Frames the receiver dropped (bad FCS, aborted, too long), for diagnostics. */
    dropped = 0

    constructor(
        private readonly i2c: I2cPort,
        private readonly sleep: (ms: number) => Promise<void>,
        /** How long to wait for the other side's frame. */
        private readonly timeoutMs: number,
    ) {
        const self = this
        this.receiver = new SirReceiver({
            frame: (c: Buffer) => {
                self.frames.push(c)
            },
            dropped: (why: string) => {
                self.dropped++
            },
        })
    }

    private async writeReg(reg: number, value: number): Promise<void> {
        const b = Buffer.alloc(2)
        b[0] = reg << 3
        b[1] = value
        await this.i2c.write(SC16IS750_I2C_ADDRESS, b)
    }

    private async readReg(reg: number): Promise<number> {
        const a = Buffer.alloc(1)
        a[0] = reg << 3
        const r = await this.i2c.writeRead(SC16IS750_I2C_ADDRESS, a, 1)
        return r.length === 1 ? r[0] : 0
    }

    /** 9600 bit/s 8N1, FIFOs on, IrDA SIR mode (an enhanced-register bit, hence the EFR step). */
    async begin(): Promise<void> {
        await this.writeReg(REG_LCR, LCR_DIVISOR_LATCH)
        await this.writeReg(REG_DLL, DIVISOR_9600)
        await this.writeReg(REG_DLH, 0)
        await this.writeReg(REG_LCR, LCR_ENHANCED_ACCESS)
        await this.writeReg(REG_EFR, EFR_ENHANCED_FUNCTIONS)
        await this.writeReg(REG_LCR, LCR_8N1)
        await this.writeReg(REG_FCR, FCR_ENABLE_AND_RESET)
        await this.writeReg(REG_MCR, MCR_IRDA_MODE)
        if ((await this.readReg(REG_MCR)) & MCR_IRDA_MODE) return
        throw new ChipError("the SC16IS750 did not enter IrDA mode (is it on the bus?)")
    }

    /** Sends one frame, never overfilling the 64-byte transmit FIFO. */
    async sendFrame(content: Buffer): Promise<void> {
        const wire = encodeSirFrame(content, EXTRA_BOFS)
        let o = 0
        for (let waited = 0; o < wire.length; ) {
            const room = Math.min(await this.readReg(REG_TXLVL), FIFO_SIZE)
            if (room === 0) {
                if (waited > this.timeoutMs) throw new ChipError("transmit FIFO stuck full")
                await this.sleep(2)
                waited += 2
                continue
            }
            const n = Math.min(room, wire.length - o)
            const chunk = Buffer.alloc(1 + n)
            chunk[0] = REG_RHR_THR << 3
            chunk.set(wire.slice(o, o + n), 1)
            await this.i2c.write(SC16IS750_I2C_ADDRESS, chunk)
            o += n
        }
    }

    /** The next whole frame received, or null after the timeout. */
    async receiveFrame(timeoutMs: number): Promise<Buffer | null> {
        for (let waited = 0; waited <= timeoutMs; ) {
            const ready = this.frames.shift()
            if (ready) return ready
            const n = await this.readReg(REG_RXLVL)
            if (n > 0) {
                const a = Buffer.alloc(1)
                a[0] = REG_RHR_THR << 3
                this.receiver.push(await this.i2c.writeRead(SC16IS750_I2C_ADDRESS, a, n))
                continue
            }
            // A byte takes about 1 ms at 9600 bit/s and the FIFO holds 64: 5 ms polls lose nothing.
            await this.sleep(5)
            waited += 5
        }
        return null
    }

    /** Terminal side: one APDU out, the card's answer back; no answer means the card is out of sight. */
    async transceive(apdu: Buffer): Promise<Buffer> {
        return await this.transceiveWithin(apdu, this.timeoutMs)
    }

    /** Like transceive, with its own wait for the answer (a short one to probe for a card). */
    async transceiveWithin(apdu: Buffer, waitMs: number): Promise<Buffer> {
        this.frames = [] // (assigning an array's length aborts the DeviceScript VM)
        try {
            await this.sendFrame(apdu)
        } catch (e) {
            if (e instanceof ChipError) throw new LinkLostError("infrared: " + e.message)
            throw e
        }
        const answer = await this.receiveFrame(waitMs)
        if (answer === null) throw new LinkLostError("no answer over infrared")
        return answer
    }
}
