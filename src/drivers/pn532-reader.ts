// The PN532 as the terminal's ISO 14443-4 reader (PN532 User Manual UM0701-02):
// InListPassiveTarget (106 kbps type A), InDataExchange, InRelease, over the host link of
// pn532-host.ts. It is the terminal's ApduLink on hardware: an APDU goes out in InDataExchange
// and the card's answer comes back; a card that left the field is a LinkLostError.

import { ApduLink, LinkLostError } from "../link/apdu-link"
import { concat, copyOf, hexOfByte } from "../bytes"
import { CMD_GET_FIRMWARE_VERSION, CMD_RF_CONFIGURATION, Pn532Host } from "./pn532-host"
import { ChipError } from "./chip-error"

export const CMD_IN_DATA_EXCHANGE = 0x40
export const CMD_IN_LIST_PASSIVE_TARGET = 0x4a
export const CMD_IN_RELEASE = 0x52
/** InDataExchange status byte: 0x01 timeout, 0x29 target released, RF errors... all mean the card is gone. */
const STATUS_OK = 0x00

export interface TargetInfo {
    /** Logical target number the PN532 gave the card. */
    tg: number
    sensRes: number
    selRes: number
    uid: Buffer
    /** ISO 14443-4 answer to select (empty when the card is not ISO-DEP). */
    ats: Buffer
}

export class Pn532Reader extends Pn532Host implements ApduLink {
    private target: TargetInfo | null = null

    /**
     * Normal mode, then a short search: the PN532 retries passive activation forever by default,
     * which would block the terminal's NFC-then-infrared polling (RFConfiguration item 05:
     * MxRtyATR, MxRtyPSL, MxRtyPassiveActivation).
     */
    async begin(): Promise<void> {
        await this.normalMode()
        await this.command(CMD_RF_CONFIGURATION, Buffer.from([0x05, 0xff, 0x01, 0x02]))
    }

    /** IC, version, revision, support flags. */
    async firmwareVersion(): Promise<Buffer> {
        return await this.command(CMD_GET_FIRMWARE_VERSION, Buffer.alloc(0))
    }

    /** Looks for one ISO 14443-A card in the field; null when there is none. */
    async detect(): Promise<TargetInfo | null> {
        const r = await this.command(CMD_IN_LIST_PASSIVE_TARGET, Buffer.from([0x01, 0x00]))
        if (r.length < 1 || r[0] === 0) {
            this.target = null
            return null
        }
        // NbTg, Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID, then ATS (its first byte is its length).
        if (r.length < 6 || r.length < 6 + r[5]) throw new ChipError("malformed InListPassiveTarget answer")
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
            if (e instanceof ChipError) throw new LinkLostError("reader: " + e.message)
            throw e
        }
        if (r.length < 1 || (r[0] & 0x3f) !== STATUS_OK) {
            // Timeout, RF error, target released: the card left the field. Detect it again to go on.
            this.target = null
            throw new LinkLostError("the card left the field (PN532 status " + (r.length > 0 ? "0x" + hexOfByte(r[0]) : "none") + ")")
        }
        return copyOf(r, 1, r.length)
    }

    async release(): Promise<void> {
        const t = this.target
        this.target = null
        if (t !== null) await this.command(CMD_IN_RELEASE, Buffer.from([t.tg]))
    }
}
