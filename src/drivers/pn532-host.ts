// The PN532's host link over I2C (PN532 User Manual UM0701-02, section 6.2), shared by the
// reader and the card-emulation drivers. Over I2C every read starts with a status byte, 01 when
// the PN532 is ready. Per command: write the frame, wait ready, read the ACK, wait ready, read
// the answer; an answer whose checksum fails is asked for again with NACK (twice at most).
// Portable: the I2C bus and the clock are injected.

import { concat, copyOf, hex, hexOfByte } from "../bytes"
import { ACK_FRAME, decodePn532Frame, encodePn532Frame, NACK_FRAME, PN532_ACK, PN532_ERROR, PN532_INFO, Pn532Frame, Pn532FrameError, TFI_HOST_TO_PN532, TFI_PN532_TO_HOST } from "../link/pn532-frame"
import { I2cPort } from "./i2c-port"
import { ChipError } from "./chip-error"

export const PN532_I2C_ADDRESS = 0x24
export const CMD_GET_FIRMWARE_VERSION = 0x02
export const CMD_SAM_CONFIGURATION = 0x14
export const CMD_RF_CONFIGURATION = 0x32
const STATUS_READY = 0x01
/**
 * Status byte plus the longest frame read: this project's APDUs are at most 206 bytes (200 data),
 * so its frames stay within 230 bytes, and a read fits one Jacdac packet (the simulator's I2C).
 */
const MAX_READ = 1 + 230

export class Pn532Host {
    /** Answers asked for again because their checksum failed (for diagnostics). */
    nacks = 0

    constructor(
        private readonly i2c: I2cPort,
        private readonly sleep: (ms: number) => Promise<void>,
        /** How long the PN532 may take to get ready (ACK, answer). */
        private readonly timeoutMs: number,
    ) {}

    private async waitReady(timeoutMs: number): Promise<void> {
        // Poll fast for a quick answer, then slower while a command waits on the field (a card
        // waiting for a reader must leave the shared I2C bus to its infrared port).
        for (let waited = 0; waited <= timeoutMs; ) {
            const status = await this.i2c.read(PN532_I2C_ADDRESS, 1)
            if (status.length === 1 && status[0] === STATUS_READY) return
            const pause = waited < 40 ? 2 : waited < 400 ? 10 : 40
            await this.sleep(pause)
            waited += pause
        }
        // An ACK from the host aborts the command in progress, so a late answer cannot be
        // mistaken for the answer to the next command.
        await this.i2c.write(PN532_I2C_ADDRESS, ACK_FRAME)
        throw new ChipError("PN532 not ready within " + timeoutMs + " ms")
    }

    /** The frame after the status byte, with up to `length` bytes of frame. */
    private async readFrame(length: number): Promise<Buffer> {
        const raw = await this.i2c.read(PN532_I2C_ADDRESS, 1 + length)
        if (raw.length < 2 || raw[0] !== STATUS_READY) throw new ChipError("PN532 answer without the ready status")
        return copyOf(raw, 1, raw.length)
    }

    /**
     * One command: its answer's data after the response code (command + 1). `answerWithinMs`
     * overrides the chip timeout for commands that wait on the other side of the field.
     */
    async command(code: number, params: Buffer, answerWithinMs = 0): Promise<Buffer> {
        const head = Buffer.alloc(1)
        head[0] = code
        await this.i2c.write(PN532_I2C_ADDRESS, encodePn532Frame(TFI_HOST_TO_PN532, concat([head, params])))
        await this.waitReady(this.timeoutMs)
        const ack = decodePn532Frame(await this.readFrame(ACK_FRAME.length))
        if (ack.kind !== PN532_ACK) throw new ChipError("PN532 did not acknowledge command 0x" + hexOfByte(code))
        for (let attempt = 0; attempt < 3; attempt++) {
            await this.waitReady(answerWithinMs > 0 ? answerWithinMs : this.timeoutMs)
            let frame: Pn532Frame
            try {
                frame = decodePn532Frame(await this.readFrame(MAX_READ - 1))
            } catch (e) {
                if (!(e instanceof Pn532FrameError)) throw e
                // A damaged answer: NACK makes the PN532 send it again.
                this.nacks++
                await this.i2c.write(PN532_I2C_ADDRESS, NACK_FRAME)
                continue
            }
            if (frame.kind === PN532_ERROR) throw new ChipError("PN532 reported a syntax error for command 0x" + hexOfByte(code))
            if (frame.kind !== PN532_INFO || frame.tfi !== TFI_PN532_TO_HOST || frame.data.length < 1 || frame.data[0] !== code + 1) {
                throw new ChipError("unexpected PN532 answer to command 0x" + hexOfByte(code))
            }
            return copyOf(frame.data, 1, frame.data.length)
        }
        throw new ChipError("PN532 answer damaged three times")
    }

    /** Normal mode (no SAM), virtual-card timeout 1 s, IRQ used. */
    async normalMode(): Promise<void> {
        await this.command(CMD_SAM_CONFIGURATION, hex`01 14 01`)
    }
}
