// The card's two radios on a board: NFC (a PN532 in card emulation) and infrared (an SC16IS750
// in IrDA mode). Each has its own loop; the card answers on whichever link reaches it. APDUs
// from both go to the one card application one at a time (a card has one logical channel).
// A chip error never ends a loop: it is counted, the chip is set up again, and the loop goes on.
// Portable: each loop gets the port it drives (a driver on a board, an emulation in tests) and
// the clock.

import { ApduApp } from "../link/apdu-link"

/** The NFC front end in card emulation (a PN532 on a board). */
export interface CardEmulationPort {
    /** Sets the chip up (again, after an error). */
    begin(): Promise<void>
    /** Whether a reader has activated the card: it then serves APDUs until the field drops. */
    serving(): boolean
    /** Waits to be activated by a reader; false when none came in time. */
    activate(): Promise<boolean>
    /** One APDU in, its answer out; false when the field dropped (waiting to be activated again). */
    serveOne(app: ApduApp): Promise<boolean>
}

/** The infrared port, whole frames in and out (an SC16IS750 in IrDA mode on a board): an exchange number, then the APDU. */
export interface FramePort {
    /** Sets the port up (again, after an error). */
    begin(): Promise<void>
    /** The next whole frame received, or null after the timeout. */
    receiveFrame(timeoutMs: number): Promise<Buffer | null>
    sendFrame(content: Buffer): Promise<void>
}

export class CardRadio {
    /** Chip errors recovered from, per link (for diagnostics). */
    nfcErrors = 0
    infraredErrors = 0
    private busy = false
    /** Cleared, ends both loops after their current round (the firmware never does; tests do). */
    running = true

    constructor(
        private readonly app: ApduApp,
        private readonly sleep: (ms: number) => Promise<void>,
    ) {}

    /** One APDU at a time, whichever link it came on. */
    async process(apdu: Buffer): Promise<Buffer> {
        while (this.busy) await this.sleep(2)
        this.busy = true
        try {
            return await this.app.process(apdu)
        } finally {
            this.busy = false
        }
    }

    /** NFC: wait to be activated by a reader, serve APDUs until the field drops, again, until stop(). */
    async serveNfc(target: CardEmulationPort): Promise<void> {
        while (this.running) {
            try {
                if (!target.serving()) await target.activate()
                else await target.serveOne(this)
            } catch (e) {
                this.nfcErrors++
                await this.restart(target)
            }
        }
    }

    /** Infrared: a command frame in, its answer frame out with the same exchange number, until stop(). */
    async serveInfrared(ir: FramePort): Promise<void> {
        while (this.running) {
            try {
                const command = await ir.receiveFrame(500)
                if (command === null || command.length === 0) continue
                // The answer repeats the command's exchange number (sc16is750-irda.ts).
                const answer = await this.process(command.slice(1))
                const frame = Buffer.alloc(answer.length + 1)
                frame[0] = command[0]
                frame.set(answer, 1)
                await ir.sendFrame(frame)
            } catch (e) {
                this.infraredErrors++
                await this.restart(ir)
            }
        }
    }

    /** After a chip error: a pause, then the chip set up again. */
    private async restart(port: CardEmulationPort | FramePort): Promise<void> {
        await this.sleep(200)
        try {
            await port.begin()
        } catch (again) {
            // still failing: the next round tries again
        }
    }
}
