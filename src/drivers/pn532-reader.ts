// The PN532 as the terminal's ISO 14443-4 reader over I2C (PN532 User Manual UM0701-02):
// SAMConfiguration, GetFirmwareVersion, InListPassiveTarget (106 kbps type A), InDataExchange,
// InRelease. It is the terminal's ApduLink on hardware: an APDU goes out in InDataExchange and
// the card's answer comes back; a card that left the field is a LinkLostError.
// Portable: the I2C bus and the clock are injected (DeviceScript's I2C on a board, the PN532
// emulator in tests). Over I2C every read starts with a status byte, 01 when the PN532 is ready.
// Per exchange: write the command frame, wait ready, read the ACK, wait ready, read the answer;
// an answer whose checksum fails is asked for again with NACK (twice at most).

import { ApduLink } from "../terminal/apdu-card-port"
import { LinkLostError } from "../terminal/terminal-relay"
import { concat, copyOf, toHex } from "../bytes"
import { decodePn532Frame, encodePn532Frame, NACK_FRAME, ACK_FRAME, PN532_ACK, PN532_ERROR, PN532_INFO, Pn532Frame, Pn532FrameError, TFI_HOST_TO_PN532, TFI_PN532_TO_HOST } from "../link/pn532-frame"

export const PN532_I2C_ADDRESS = 0x24
export const CMD_GET_FIRMWARE_VERSION = 0x02
export const CMD_SAM_CONFIGURATION = 0x14
export const CMD_IN_DATA_EXCHANGE = 0x40
export const CMD_IN_LIST_PASSIVE_TARGET = 0x4a
export const CMD_IN_RELEASE = 0x52
const STATUS_READY = 0x01
/** InDataExchange status byte: 0x01 timeout, 0x29 target released, 0x2B/0x13 field errors... all mean the card is gone. */
const STATUS_OK = 0x00
const MAX_READ = 1 + 8 + 265 + 2

/** "0x4a": DeviceScript numbers have no toString(16). */
function hexByte(b: number): string {
    const one = Buffer.alloc(1)
    one[0] = b
    return "0x" + toHex(one)
}

export interface I2cPort {
    write(address: number, data: Buffer): Promise<void>
    read(address: number, length: number): Promise<Buffer>
}

export class Pn532Error extends Error {
    constructor(message: string) {
        super(message)
        this.name = "Pn532Error"
    }
}

export interface TargetInfo {
    /** Logical target number the PN532 gave the card. */
    tg: number
    sensRes: number
    selRes: number
    uid: Buffer
    /** ISO 14443-4 answer to select (empty when the card is not ISO-DEP). */
    ats: Buffer
}

export class Pn532Reader implements ApduLink {
    private target: TargetInfo | null = null
    /** Answers asked for again because their checksum failed (for diagnostics). */
    nacks = 0

    constructor(
        private readonly i2c: I2cPort,
        private readonly sleep: (ms: number) => Promise<void>,
        /** How long the PN532 may take to get ready (ACK, answer). */
        private readonly timeoutMs: number,
    ) {}

    private async waitReady(): Promise<void> {
        for (let waited = 0; waited <= this.timeoutMs; waited += 2) {
            const status = await this.i2c.read(PN532_I2C_ADDRESS, 1)
            if (status.length === 1 && status[0] === STATUS_READY) return
            await this.sleep(2)
        }
        throw new Pn532Error("PN532 not ready within " + this.timeoutMs + " ms")
    }

    /** The frame after the status byte, with up to `length` bytes of frame. */
    private async readFrame(length: number): Promise<Buffer> {
        const raw = await this.i2c.read(PN532_I2C_ADDRESS, 1 + length)
        if (raw.length < 2 || raw[0] !== STATUS_READY) throw new Pn532Error("PN532 answer without the ready status")
        return copyOf(raw, 1, raw.length)
    }

    /** One command: its answer's data after the response code (command + 1). */
    async command(code: number, params: Buffer): Promise<Buffer> {
        const head = Buffer.alloc(1)
        head[0] = code
        await this.i2c.write(PN532_I2C_ADDRESS, encodePn532Frame(TFI_HOST_TO_PN532, concat([head, params])))
        await this.waitReady()
        const ack = decodePn532Frame(await this.readFrame(ACK_FRAME.length))
        if (ack.kind !== PN532_ACK) throw new Pn532Error("PN532 did not acknowledge command " + hexByte(code))
        for (let attempt = 0; attempt < 3; attempt++) {
            await this.waitReady()
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
            if (frame.kind === PN532_ERROR) throw new Pn532Error("PN532 reported a syntax error for command " + hexByte(code))
            if (frame.kind !== PN532_INFO || frame.tfi !== TFI_PN532_TO_HOST || frame.data.length < 1 || frame.data[0] !== code + 1) {
                throw new Pn532Error("unexpected PN532 answer to command " + hexByte(code))
            }
            return copyOf(frame.data, 1, frame.data.length)
        }
        throw new Pn532Error("PN532 answer damaged three times")
    }

    /** IC, version, revision, support flags. */
    async firmwareVersion(): Promise<Buffer> {
        return await this.command(CMD_GET_FIRMWARE_VERSION, Buffer.alloc(0))
    }

    /** Normal mode (no SAM), virtual-card timeout 1 s, IRQ used. */
    async begin(): Promise<void> {
        await this.command(CMD_SAM_CONFIGURATION, Buffer.from([0x01, 0x14, 0x01]))
    }

    /** Looks for one ISO 14443-A card in the field; null when there is none. */
    async detect(): Promise<TargetInfo | null> {
        const r = await this.command(CMD_IN_LIST_PASSIVE_TARGET, Buffer.from([0x01, 0x00]))
        if (r.length < 1 || r[0] === 0) {
            this.target = null
            return null
        }
        // NbTg, Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID, then ATS (its first byte is its length).
        if (r.length < 6 || r.length < 6 + r[5]) throw new Pn532Error("malformed InListPassiveTarget answer")
        const idLen = r[5]
        const atsStart = 6 + idLen
        const atsLen = atsStart < r.length ? r[atsStart] : 0
        const target: TargetInfo = {
            tg: r[1],
            sensRes: (r[2] << 8) | r[3],
            selRes: r[4],
            uid: copyOf(r, 6, 6 + idLen),
            ats: atsLen > 0 && atsStart + atsLen <= r.length ? copyOf(r, atsStart, atsStart + atsLen) : Buffer.alloc(0),
        }
        this.target = target
        return target
    }

    /** One APDU to the card in the field and its answer (ApduLink). */
    async transceive(apdu: Buffer): Promise<Buffer> {
        const t = this.target
        if (t === null) throw new LinkLostError("no card in the field")
        let r: Buffer
        try {
            const tg = Buffer.alloc(1)
            tg[0] = t.tg
            r = await this.command(CMD_IN_DATA_EXCHANGE, concat([tg, apdu]))
        } catch (e) {
            this.target = null
            if (e instanceof Pn532Error) throw new LinkLostError("reader: " + e.message)
            throw e
        }
        if (r.length < 1 || (r[0] & 0x3f) !== STATUS_OK) {
            // Timeout, RF error, target released: the card left the field. Detect it again to go on.
            this.target = null
            throw new LinkLostError("the card left the field (PN532 status " + (r.length > 0 ? hexByte(r[0]) : "none") + ")")
        }
        return copyOf(r, 1, r.length)
    }

    async release(): Promise<void> {
        const t = this.target
        this.target = null
        if (t !== null) await this.command(CMD_IN_RELEASE, Buffer.from([t.tg]))
    }
}
