// Infrared link through an SC16IS750 I2C-UART bridge in IrDA SIR mode (9600 bit/s, the SIR
// default) with an IrDA transceiver on its TX/RX pins. Each APDU travels in one IrDA SIR frame
// (src/link/irda-sir.ts): the terminal sends a command frame and waits for the answer frame; the
// card waits for a command frame and sends its answer. Same APDUs as over NFC.
// A frame's first byte is the exchange number: the terminal counts its commands, the card's
// answer repeats the number of the command it answers (src/card/card-radio.ts), and the terminal
// takes only the answer to its last command. An answer that comes after the terminal gave up on
// its command never passes for the next one's (IrLAP numbers its frames, Ns and Nr, for the same
// reason).
// The chip's registers and FIFOs are in sc16is750.ts.
// Portable: the I2C bus and the clock are injected.

import { ApduLink, LinkLostError } from "../link/apdu-link"
import { encodeSirFrame, SirReceiver } from "../link/irda-sir"
import { I2cPort } from "./i2c-port"
import { DIVISOR_9600, MCR_IRDA_MODE, Sc16is750 } from "./sc16is750"

/** Extra BOFs before each frame, so the receiver's UART is awake (IrLAP asks for at least 10 at 9600). */
const EXTRA_BOFS = 10

export class Sc16is750Irda extends Sc16is750 implements ApduLink {
    private frames: Buffer[] = []
    private readonly receiver: SirReceiver
    /** Frames the receiver dropped (bad FCS, aborted, too long), for diagnostics. */
    dropped = 0
    /** The number of the last command sent (0-255). */
    private exchange = 0

    constructor(
        i2c: I2cPort,
        sleep: (ms: number) => Promise<void>,
        /** How long to wait for the other side's frame. */
        timeoutMs: number,
    ) {
        super(i2c, sleep, timeoutMs)
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

    /** 9600 bit/s 8N1, FIFOs on, IrDA SIR mode. */
    async begin(): Promise<void> {
        await this.configure(DIVISOR_9600, MCR_IRDA_MODE)
    }

    /** Sends one frame, never overfilling the 64-byte transmit FIFO. */
    async sendFrame(content: Buffer): Promise<void> {
        await this.write(encodeSirFrame(content, EXTRA_BOFS))
    }

    /**
     * The next whole frame received, or null once the line stayed quiet for `timeoutMs` (or, with
     * bytes still coming, after four times that: a noisy line). Quiet counts from the last byte: a
     * sender that feeds its FIFO late leaves gaps inside a frame, which are not its silence.
     */
    async receiveFrame(timeoutMs: number): Promise<Buffer | null> {
        let quiet = 0
        for (let spent = 0; quiet <= timeoutMs && spent <= 4 * timeoutMs; ) {
            const ready = this.frames.shift()
            if (ready) return ready
            const got = await this.read()
            if (got.length > 0) {
                this.receiver.push(got)
                quiet = 0
                spent += 5
                continue
            }
            // A byte takes about 1 ms at 9600 bit/s and the FIFO holds 64: 5 ms polls lose nothing.
            await this.sleep(5)
            quiet += 5
            spent += 5
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
        const n = (this.exchange + 1) & 0xff
        this.exchange = n
        const command = Buffer.alloc(apdu.length + 1)
        command[0] = n
        command.set(apdu, 1)
        let answer: Buffer | null = null
        try {
            await this.sendFrame(command)
            // Answers to earlier commands are dropped; each restarts the wait, and only a few can be owed.
            for (let stale = 0; stale < 4; stale++) {
                answer = await this.receiveFrame(waitMs)
                if (answer === null || (answer.length > 0 && answer[0] === n)) break
                answer = null
            }
        } catch (e) {
            // The bridge or its I2C bus failing mid-exchange loses the exchange as a card out of
            // sight does: the caller says so and starts again. A frame too long is the caller's fault.
            if (e instanceof RangeError) throw e
            throw new LinkLostError("infrared: " + (e as Error).message)
        }
        if (answer === null) throw new LinkLostError("no answer over infrared")
        return answer.slice(1)
    }
}
