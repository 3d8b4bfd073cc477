// The terminal's card reader on a board: an NFC reader (PN532) and an infrared port (SC16IS750
// in IrDA mode), polled in turn until a card answers on one of them. The payment then runs on
// that link; the same APDUs go over both. Either may be missing (a board with only one).
// Portable: the links (drivers on a board), the clock and the probe command are injected.

import { ApduLink, LinkLostError } from "../link/apdu-link"
import { ApduCardPort } from "./apdu-card-port"
import { CardReader } from "./terminal-app"
import { ReaderCard } from "./signing-card"

/** An NFC reader (a PN532 on a board): it looks for a card in its field, then exchanges APDUs with it. */
export interface NfcReaderPort extends ApduLink {
    /** Something that describes the card in the field, or null when there is none. */
    detect(): Promise<object | null>
}

/** An infrared port (an SC16IS750 on a board): a card is found by a command it answers in time. */
export interface InfraredLinkPort extends ApduLink {
    /** Like transceive, waiting at most `waitMs` for the answer. */
    transceiveWithin(apdu: Buffer, waitMs: number): Promise<Buffer>
}

export const LINK_NONE = "none"
export const LINK_NFC = "nfc"
export const LINK_INFRARED = "infrared"

/** A link that never reaches a card: what card() gives before one was found. */
const noCard: ApduLink = {
    transceive: async (apdu: Buffer) => {
        throw new LinkLostError("no card in the field")
    },
}

export class FieldReader implements CardReader {
    /** The link the card answered on. */
    linkInUse = LINK_NONE
    /** Chip errors seen while polling (the poll goes on: a glitch must not stop the terminal). */
    chipErrors = 0
    private link: ApduLink = noCard

    constructor(
        private readonly nfc: NfcReaderPort | null,
        private readonly infrared: InfraredLinkPort | null,
        /** A command every card answers (SELECT of the payment application), to find one over infrared. */
        private readonly probe: Buffer,
        private readonly maxCommandData: number,
        private readonly sleep: (ms: number) => Promise<void>,
        private readonly now: () => number,
    ) {}

    async waitForCard(timeoutMs: number): Promise<boolean> {
        const start = this.now()
        this.linkInUse = LINK_NONE
        this.link = noCard
        while (this.now() - start < timeoutMs) {
            if (await this.nfcCard()) return true
            if (await this.infraredCard()) return true
            await this.sleep(30)
        }
        return false
    }

    card(): ReaderCard {
        return new ApduCardPort(this.link, this.maxCommandData)
    }

    private async nfcCard(): Promise<boolean> {
        const nfc = this.nfc
        if (nfc === null) return false
        try {
            if ((await nfc.detect()) === null) return false
        } catch (e) {
            this.chipErrors++
            return false
        }
        this.link = nfc
        this.linkInUse = LINK_NFC
        return true
    }

    private async infraredCard(): Promise<boolean> {
        const ir = this.infrared
        if (ir === null) return false
        try {
            await ir.transceiveWithin(this.probe, 400)
        } catch (e) {
            if (!(e instanceof LinkLostError)) this.chipErrors++
            return false
        }
        this.link = ir
        this.linkInUse = LINK_INFRARED
        return true
    }
}
