// The card's APDU application: ISO 7816-4 commands in, responses out, over whichever link reached
// the card (NFC card emulation or infrared). A small state machine:
//   IDLE -> SELECTED (SELECT by AID) -> transaction (OFFER PAYMENT, VERIFY, AUTHENTICATE...)
// with command chaining (CLA bit 0x10) for EAP packets longer than one APDU and GET RESPONSE
// (61xx) for long answers. Any input gets a status word; nothing from the air makes it throw.

import {
    ApduFormatError,
    CLA_CHAINING,
    decodeCommand,
    encodeResponse,
    statusResponse,
    SW_APPLICATION_NOT_FOUND,
    SW_AUTH_METHOD_BLOCKED,
    SW_BYTES_REMAINING,
    SW_CLA_NOT_SUPPORTED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_INS_NOT_SUPPORTED,
    SW_OK,
    SW_SECURITY_NOT_SATISFIED,
    SW_UNKNOWN,
    SW_VERIFY_FAILED,
    SW_WRONG_DATA,
    SW_WRONG_LENGTH,
} from "../link/apdu"
import {
    ACTIVECARD_AID,
    CLA_ISO,
    CLA_PROPRIETARY,
    INS_AUTHENTICATE,
    INS_GET_RESPONSE,
    INS_GET_SIGNATURE,
    INS_OFFER_PAYMENT,
    INS_SELECT,
    INS_SIGN_HISTORY,
    INS_VERIFY,
    OFFER_PIN_REQUIRED,
    P1_SELECT_BY_NAME,
} from "../link/card-commands"
import { decodePayment, Payment } from "../payment/payment"
import { CARD_OFFERED, CardSession } from "./card-session"
import { PIN_LOCKED, PIN_OK } from "./pin"
import { concat, copyOf, toHex } from "../bytes"

/** Largest EAP packet accepted through chaining (the EAP layer refuses above 1020 anyway). */
export const MAX_CHAINED = 1024

/** The holder's signature over a transaction history (src/certificate/certificate-app.ts). */
export interface HistorySigner {
    /** SIGN HISTORY: the status word. */
    signHistory(history: Buffer): number
    /** GET SIGNATURE: the status word; with 9000 the CMS is in `signature`. */
    signatureStatus(): number
    signature: Buffer
}

export class CardApplet {
    private selected = false
    /** The transaction under way since the last OFFER PAYMENT, or null. */
    session: CardSession | null = null
    private chainIns = -1
    private chained: Buffer[] = []
    private chainedBytes = 0
    private pending: Buffer = Buffer.alloc(0)

    constructor(
        private readonly newSession: () => CardSession,
        /** Largest response data per APDU (256 for ISO 14443-4; less when the carrier frame is smaller). */
        private readonly maxResponse = 256,
        private readonly signer: HistorySigner | null = null,
    ) {}

    /** The field dropped (card pulled away, power lost): the transaction is gone, nothing carries over. */
    reset(): void {
        this.selected = false
        this.session = null
        this.pending = Buffer.alloc(0)
        this.endChain(SW_OK)
    }

    /** Response data, cut to maxResponse bytes with 61xx when more waits for GET RESPONSE. */
    private answer(data: Buffer): Buffer {
        const max = this.maxResponse
        if (data.length <= max) return encodeResponse(data, SW_OK)
        this.pending = copyOf(data, max, data.length)
        const left = this.pending.length
        return encodeResponse(copyOf(data, 0, max), SW_BYTES_REMAINING | (left >= 256 ? 0 : left))
    }

    /** Forgets the command chain; answers `sw`. */
    private endChain(sw: number): Buffer {
        this.chainIns = -1
        this.chained = []
        this.chainedBytes = 0
        return statusResponse(sw)
    }

    async process(apdu: Buffer): Promise<Buffer> {
        try {
            const c = decodeCommand(apdu)
            const cla = c.cla & ~CLA_CHAINING
            const rest = this.pending
            this.pending = Buffer.alloc(0)
            if (c.ins === INS_GET_RESPONSE && cla === CLA_ISO) return rest.length === 0 ? statusResponse(SW_CONDITIONS_NOT_SATISFIED) : this.answer(rest)
            // Command chaining: collect the data of every APDU with the chaining bit, then run the last.
            if (this.chainIns >= 0 && this.chainIns !== c.ins) return this.endChain(SW_CONDITIONS_NOT_SATISFIED)
            let data = c.data
            if ((c.cla & CLA_CHAINING) !== 0) {
                this.chainedBytes += data.length
                if (this.chainedBytes > MAX_CHAINED) return this.endChain(SW_WRONG_LENGTH)
                this.chainIns = c.ins
                this.chained.push(data)
                return statusResponse(SW_OK)
            }
            if (this.chainIns >= 0) {
                this.chained.push(data)
                data = concat(this.chained)
                this.endChain(SW_OK)
            }
            if (cla === CLA_ISO && c.ins === INS_SELECT) {
                this.selected = c.p1 === P1_SELECT_BY_NAME && toHex(data) === ACTIVECARD_AID
                if (!this.selected) return statusResponse(SW_APPLICATION_NOT_FOUND)
                this.session = null
                return statusResponse(SW_OK)
            }
            if (cla !== CLA_ISO && cla !== CLA_PROPRIETARY) return statusResponse(SW_CLA_NOT_SUPPORTED)
            if (!this.selected) return statusResponse(SW_CONDITIONS_NOT_SATISFIED)
            if (cla === CLA_PROPRIETARY && c.ins === INS_OFFER_PAYMENT) {
                let p: Payment | null = null
                if (data.length > 0) {
                    try {
                        p = decodePayment(data)
                    } catch (e) {
                        return statusResponse(SW_WRONG_DATA)
                    }
                }
                const started = this.newSession()
                started.offer(p)
                this.session = started
                const needPin = Buffer.alloc(1)
                needPin[0] = started.pinRequired() ? OFFER_PIN_REQUIRED : 0
                return this.answer(needPin)
            }
            const s = this.session
            if (cla === CLA_ISO && (c.ins === INS_VERIFY || c.ins === INS_AUTHENTICATE)) {
                if (s === null) return statusResponse(SW_CONDITIONS_NOT_SATISFIED)
                if (c.ins === INS_VERIFY) {
                    const r = await s.verifyPin(data.toString("utf8"))
                    return statusResponse(r === PIN_OK ? SW_OK : r === PIN_LOCKED ? SW_AUTH_METHOD_BLOCKED : SW_VERIFY_FAILED | (s.pin.triesLeft & 0x0f))
                }
                if (s.pin.triesLeft <= 0) return statusResponse(SW_AUTH_METHOD_BLOCKED)
                const response = await s.eap(data)
                if (response !== null) return this.answer(response)
                return statusResponse(s.state === CARD_OFFERED && s.pinRequired() ? SW_SECURITY_NOT_SATISFIED : SW_CONDITIONS_NOT_SATISFIED)
            }
            const signer = this.signer
            if (signer !== null && cla === CLA_PROPRIETARY) {
                if (c.ins === INS_SIGN_HISTORY) return statusResponse(signer.signHistory(data))
                if (c.ins === INS_GET_SIGNATURE) {
                    const sw = signer.signatureStatus()
                    return sw === SW_OK ? this.answer(signer.signature) : statusResponse(sw)
                }
            }
            return statusResponse(SW_INS_NOT_SUPPORTED)
        } catch (e) {
            return statusResponse(e instanceof ApduFormatError ? SW_WRONG_LENGTH : SW_UNKNOWN)
        }
    }
}
