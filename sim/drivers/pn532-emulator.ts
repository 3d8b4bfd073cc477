// A PN532 at I2C address 0x24, emulated at the frame level for the driver tests: it parses the
// host's real frames (checksums checked: a bad one is ignored, as the chip does), answers with an
// ACK then the response frame, behind the I2C ready byte (an answer may come much later, as
// TgGetData does), and resends its last answer on NACK.
//   As a reader: InListPassiveTarget and InDataExchange reach `card`, the card in its field.
//   As a card (TgInitAsTarget, TgGetData, TgSetData): `asCard()` is what a reader's field sees.
// Faults can be injected: a damaged answer, an answer that never gets ready, the card leaving.

import { decodePn532Frame, encodePn532Frame, ACK_FRAME, PN532_ACK, PN532_INFO, PN532_NACK, Pn532FrameError, TFI_HOST_TO_PN532, TFI_PN532_TO_HOST, ERROR_FRAME, Pn532Frame } from "../../src/link/pn532-frame"
import { I2cChip } from "./i2c-chip"

export interface EmulatedCard {
    uid: Buffer
    ats: Buffer
    /** The card's answer, or null when it gave none (it left, or its field dropped). */
    process(apdu: Buffer): Promise<Buffer | null>
}

export class Pn532Emulator extends I2cChip {
    /** The card in the field, or null. */
    card: EmulatedCard | null = null
    /** Damage the next N answers (one flipped checksum byte each). */
    corruptNext = 0
    /** Never become ready again (a hung chip or a cut bus). */
    hung = false
    readonly commands: number[] = []
    private queue: Buffer[] = []
    private last: Buffer | null = null
    private listed = false
    /** Bumped when the host aborts (an ACK frame): answers of older commands are dropped. */
    private generation = 0
    /** Commands the host aborted. */
    aborts = 0

    async write(address: number, data: Buffer): Promise<void> {
        if (address !== 0x24) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        let f: Pn532Frame
        try {
            f = decodePn532Frame(data)
        } catch (e) {
            if (e instanceof Pn532FrameError) return // the chip ignores a frame it cannot check
            throw e
        }
        if (f.kind === PN532_NACK) {
            if (this.last) this.queue.push(this.last)
            return
        }
        if (f.kind === PN532_ACK) {
            this.generation++
            this.aborts++
            this.queue = []
            return
        }
        if (f.kind !== PN532_INFO || f.tfi !== TFI_HOST_TO_PN532 || f.data.length < 1) {
            this.queue.push(ACK_FRAME, ERROR_FRAME)
            return
        }
        const code = f.data[0]
        this.commands.push(code)
        this.queue.push(ACK_FRAME)
        // The answer is queued whenever it is ready: at once, or when the other side of the field acts.
        const generation = this.generation
        void this.execute(code, f.data.subarray(1)).then((answer) => {
            if (generation !== this.generation) return // aborted by the host
            if (answer === null) {
                this.queue.push(ERROR_FRAME) // a command the chip does not know: syntax error
                return
            }
            this.last = encodePn532Frame(TFI_PN532_TO_HOST, Buffer.concat([Buffer.from([code + 1]), answer]))
            this.queue.push(this.last)
        })
    }

    // Card emulation: what the reader on the other side of the field sends, and waits for.
    private fieldOn = false
    private readonly inbox: Buffer[] = []
    private answerTo: ((answer: Buffer | null) => void) | null = null

    /** This chip in card emulation, as a reader's field sees it. */
    asCard(uid: Buffer): EmulatedCard {
        return {
            uid,
            ats: Buffer.from("0578807002", "hex"),
            process: (apdu) =>
                new Promise<Buffer | null>((resolve) => {
                    this.fieldOn = true
                    this.answerTo = resolve
                    this.inbox.push(Buffer.from(apdu))
                }),
        }
    }

    /** Power cycle: commands in progress and answers not yet read are gone (the RF field stays as it is). */
    reset(): void {
        this.generation++
        this.queue = []
        this.last = null
        this.listed = false
        this.inbox.length = 0
        this.answerTo?.(null)
        this.answerTo = null
    }

    /** A reader's field reached this chip (it will be activated by TgInitAsTarget). */
    fieldAppears(): void {
        this.fieldOn = true
    }

    /** The field is gone: whatever the card firmware waits for fails, as on the chip. */
    fieldDrops(): void {
        this.fieldOn = false
        this.inbox.length = 0
        this.answerTo?.(null)
        this.answerTo = null
    }

    /** Powered off for good (the simulation stopped): nothing waits any more. */
    private off = false

    /** Stops every wait for a field or an APDU (a waiting TgInitAsTarget would keep the process alive). */
    powerOff(): void {
        this.off = true
        this.reset()
    }

    private async until(cond: () => boolean): Promise<void> {
        while (!cond() && !this.off) await new Promise((r) => setTimeout(r, 1))
    }

    async read(address: number, length: number): Promise<Buffer> {
        if (address !== 0x24) throw new Error(`no I2C device at 0x${address.toString(16)}`)
        const out = Buffer.alloc(length)
        if (this.hung || this.queue.length === 0) return out // status 00: not ready
        out[0] = 0x01
        if (length === 1) return out // a status poll does not consume the frame
        let frame = this.queue.shift()!
        if (frame !== ACK_FRAME && this.corruptNext > 0) {
            this.corruptNext--
            frame = Buffer.from(frame)
            frame[frame.length - 2] ^= 0xff
        }
        frame.copy(out, 1, 0, Math.min(frame.length, length - 1))
        return out
    }

    private async execute(code: number, params: Buffer): Promise<Buffer | null> {
        switch (code) {
            case 0x02:
                return Buffer.from([0x32, 0x01, 0x06, 0x07]) // PN532 v1.6, ISO 14443 A/B and 18092
            case 0x14: // SAMConfiguration
            case 0x32: // RFConfiguration
                return Buffer.alloc(0)
            case 0x8c: // TgInitAsTarget: answers once a reader activates us (mode, then the reader's first bytes)
                await this.until(() => this.fieldOn)
                return Buffer.from([0x04, 0xe0, 0x80])
            case 0x86: // TgGetData: the reader's next APDU, or "released" when the field drops
                await this.until(() => this.inbox.length > 0 || !this.fieldOn)
                return this.inbox.length > 0 ? Buffer.concat([Buffer.from([0x00]), this.inbox.shift()!]) : Buffer.from([0x29])
            case 0x8e: {
                // TgSetData: the card's answer goes back to the reader
                const reply = this.answerTo
                this.answerTo = null
                if (!this.fieldOn || !reply) return Buffer.from([0x29])
                reply(Buffer.from(params))
                return Buffer.from([0x00])
            }
            case 0x4a: {
                const card = this.card
                if (!card || params[0] !== 0x01 || params[1] !== 0x00) {
                    this.listed = false
                    return Buffer.from([0x00])
                }
                this.listed = true
                return Buffer.concat([Buffer.from([0x01, 0x01, 0x00, 0x04, 0x20, card.uid.length]), card.uid, card.ats])
            }
            case 0x40: {
                const card = this.card
                if (!card || !this.listed || params[0] !== 0x01) {
                    this.listed = false
                    return Buffer.from([0x01]) // timeout: no answer from the target
                }
                const answer = await card.process(params.subarray(1))
                if (answer === null) {
                    this.listed = false
                    return Buffer.from([0x01]) // the target did not answer
                }
                return Buffer.concat([Buffer.from([0x00]), answer])
            }
            case 0x52:
                this.listed = false
                return Buffer.from([0x00])
        }
        return null
    }
}
