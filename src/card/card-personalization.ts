// A blank card's only application: personalization by the issuer (GlobalPlatform-style STORE
// DATA, CLA 80 INS E2, P2 = block number from 0, P1 bit 8 on the last block). The blocks form one
// personalization record (the card family's: card-profile.ts, tls-card-profile.ts); on the last
// block the card validates it, stores it in flash and becomes a payment card. A personalized card no longer runs this application, so a
// profile can be written exactly once.

import {
    Command,
    decodeCommand,
    statusResponse,
    SW_APPLICATION_NOT_FOUND,
    SW_CLA_NOT_SUPPORTED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_UNKNOWN,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
} from "../link/apdu"
import { ACTIVECARD_AID, CLA_ISO, CLA_PROPRIETARY, INS_SELECT, P1_SELECT_BY_NAME } from "../link/card-commands"
import { concat, toHex } from "../bytes"
import { FormatError } from "../format-error"

export const INS_STORE_DATA = 0xe2
export const P1_LAST_BLOCK = 0x80
/** Incorrect P1-P2: a block out of sequence. */
export const SW_WRONG_P1P2 = 0x6a86
/** Room for a certificate in the record of a card that pays over EAP-TLS. */
const MAX_RECORD = 1024

export class PersonalizationApplet {
    private blocks: Buffer[] = []
    private bytes = 0
    /** The profile is stored: the card is a payment card now. */
    personalized = false

    constructor(
        /** Validates the record and stores it durably (resolves once it is in flash); FormatError on a bad record. */
        private readonly store: (record: Buffer) => Promise<void>,
    ) {}

    async process(apdu: Buffer): Promise<Buffer> {
        let c: Command
        try {
            c = decodeCommand(apdu)
        } catch (e) {
            return statusResponse(SW_WRONG_LENGTH)
        }
        try {
            if (c.cla === CLA_ISO && c.ins === INS_SELECT) {
                this.blocks = []
                this.bytes = 0
                return statusResponse(c.p1 === P1_SELECT_BY_NAME && toHex(c.data) === ACTIVECARD_AID ? SW_OK : SW_APPLICATION_NOT_FOUND)
            }
            if (c.cla !== CLA_PROPRIETARY) return statusResponse(SW_CLA_NOT_SUPPORTED)
            if (c.ins !== INS_STORE_DATA) return statusResponse(SW_INS_NOT_SUPPORTED)
            if (this.personalized) return statusResponse(SW_CONDITIONS_NOT_SATISFIED)
            this.bytes += c.data.length
            const last = (c.p1 & P1_LAST_BLOCK) !== 0
            // A block out of sequence, a record too long, or the last block: the blocks so far go.
            let sw = c.p2 !== this.blocks.length ? SW_WRONG_P1P2 : this.bytes > MAX_RECORD ? SW_WRONG_LENGTH : SW_OK
            if (sw === SW_OK) this.blocks.push(c.data)
            if (sw !== SW_OK || last) {
                const record = concat(this.blocks)
                this.blocks = []
                this.bytes = 0
                if (sw === SW_OK) {
                    try {
                        await this.store(record)
                        this.personalized = true
                    } catch (e) {
                        if (!(e instanceof FormatError)) throw e
                        sw = SW_WRONG_DATA
                    }
                }
            }
            return statusResponse(sw)
        } catch (e) {
            return statusResponse(SW_UNKNOWN)
        }
    }
}
