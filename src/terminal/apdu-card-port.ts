// The terminal's view of the card over an APDU link (PN532 reader, infrared, or a simulated
// field): SELECT the application, OFFER PAYMENT, VERIFY the PIN, AUTHENTICATE with EAP, and for
// a transaction to sign SIGN HISTORY and GET SIGNATURE, with command chaining out and GET
// RESPONSE in. A link that fails raises LinkLostError.

import { CLA_CHAINING, decodeResponse, encodeCommand, Response, SW_AUTH_METHOD_BLOCKED, SW_BYTES_REMAINING, SW_OK, SW_VERIFY_FAILED, swText } from "../link/apdu"
import {
    ACTIVECARD_AID,
    CLA_ISO,
    CLA_PROPRIETARY,
    INS_AUTHENTICATE,
    INS_GET_RESPONSE,
    INS_GET_SIGNATURE,
    INS_SIGN_HISTORY,
    INS_OFFER_PAYMENT,
    INS_SELECT,
    INS_VERIFY,
    OFFER_PIN_REQUIRED,
    P1_SELECT_BY_NAME,
    P2_SPECIFIC,
} from "../link/card-commands"
import { encodePayment, Payment } from "../payment/payment"
import { concat, copyOf, fromHex, fromUtf8 } from "../bytes"
import { ApduLink, LinkLostError } from "../link/apdu-link"
import { CardPort, PIN_ANSWER_LOCKED, PIN_ANSWER_OK, PIN_ANSWER_WRONG } from "./terminal-relay"
import { SigningCardPort } from "./signing-card"

export class ApduCardPort implements CardPort, SigningCardPort {
    private needPin = false

    constructor(
        private readonly link: ApduLink,
        /** Command data per APDU before chaining (a PN532 frame fits 255). */
        private readonly maxData = 255,
    ) {}

    private async send(cla: number, ins: number, p1: number, p2: number, data: Buffer): Promise<Response> {
        // Chain long data; every APDU but the last has CLA bit 0x10 and must answer 9000.
        let o = 0
        while (data.length - o > this.maxData) {
            const r = decodeResponse(await this.link.transceive(encodeCommand({ cla: cla | CLA_CHAINING, ins: ins, p1: p1, p2: p2, data: copyOf(data, o, o + this.maxData), le: 0 })))
            if (r.sw !== SW_OK) return r
            o += this.maxData
        }
        let r = decodeResponse(await this.link.transceive(encodeCommand({ cla: cla, ins: ins, p1: p1, p2: p2, data: copyOf(data, o, data.length), le: 256 })))
        const parts: Buffer[] = [r.data]
        let rounds = 0
        // A CMS signature with its certificate takes several responses of a link's size.
        while ((r.sw & 0xff00) === SW_BYTES_REMAINING && rounds++ < 16) {
            const le = (r.sw & 0xff) === 0 ? 256 : r.sw & 0xff
            r = decodeResponse(await this.link.transceive(encodeCommand({ cla: CLA_ISO, ins: INS_GET_RESPONSE, p1: 0, p2: 0, data: Buffer.alloc(0), le: le })))
            parts.push(r.data)
        }
        return { data: concat(parts), sw: r.sw }
    }

    private async select(): Promise<void> {
        const sel = await this.send(CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME, 0, fromHex(ACTIVECARD_AID))
        if (sel.sw !== SW_OK) throw new LinkLostError("no activecard application on this card (SW " + swText(sel.sw) + ")")
    }

    async offer(p: Payment): Promise<void> {
        await this.select()
        const r = await this.send(CLA_PROPRIETARY, INS_OFFER_PAYMENT, 0, 0, encodePayment(p))
        if (r.sw !== SW_OK || r.data.length !== 1) throw new LinkLostError("the card refused the payment offer (SW " + swText(r.sw) + ")")
        this.needPin = r.data[0] === OFFER_PIN_REQUIRED
    }

    async pinRequired(): Promise<boolean> {
        return this.needPin
    }

    async verifyPin(pin: string): Promise<{ answer: number; triesLeft: number }> {
        const r = await this.send(CLA_ISO, INS_VERIFY, 0, P2_SPECIFIC, fromUtf8(pin))
        if (r.sw === SW_OK) return { answer: PIN_ANSWER_OK, triesLeft: -1 }
        if (r.sw === SW_AUTH_METHOD_BLOCKED) return { answer: PIN_ANSWER_LOCKED, triesLeft: 0 }
        if ((r.sw & 0xfff0) === SW_VERIFY_FAILED) return { answer: PIN_ANSWER_WRONG, triesLeft: r.sw & 0x0f }
        throw new LinkLostError("unexpected answer to VERIFY (SW " + swText(r.sw) + ")")
    }

    async eap(request: Buffer): Promise<Buffer | null> {
        const r = await this.send(CLA_ISO, INS_AUTHENTICATE, 0, P2_SPECIFIC, request)
        return r.sw === SW_OK && r.data.length > 0 ? r.data : null
    }

    async signHistory(history: Buffer): Promise<number> {
        await this.select()
        return (await this.send(CLA_PROPRIETARY, INS_SIGN_HISTORY, 0, 0, history)).sw
    }

    async getSignature(): Promise<Response> {
        return await this.send(CLA_PROPRIETARY, INS_GET_SIGNATURE, 0, 0, Buffer.alloc(0))
    }
}
