// A Node stand-in for the card's side of the infrared signing commands (the certificate patent's
// second embodiment), written down here as the contract the card firmware implements:
//
//   SELECT        00 A4 04 00 Lc <ActiveCard AID>          9000; 6A82 another AID
//   SIGN HISTORY  80 2A 00 00 Lc <history>                 9000 once shown to the holder
//                 (90 2A 00 00 Lc <part> for every part but the last, each answered 9000)
//                 6A80 not a canonical history (transaction-history.ts), 6985 no certificate
//   GET SIGNATURE 80 2C 00 00 00                           6985 while the holder has not finished
//                 (or no history was given); 9000 + CMS SignedData DER once signed, 61xx and
//                 GET RESPONSE (00 C0 00 00 xx) when it is longer than one response; 6982 the
//                 holder cancelled or typed a wrong password; 6983 signing is locked.
//   After 9000 (the CMS's last part), 6982 or 6983 the request is over. A GET SIGNATURE that
//   comes again before the last part was answered starts the CMS over: the terminal may lose
//   the card from sight in the middle of it.
//
// The holder is scripted (how many polls they take, then sign, cancel, a wrong password or
// locked); the CMS is the software signer's (test/support/cms-signer.ts) with the holder's key
// (`cmsSigner`), or any bytes a unit test wants to see travel.
// `inSight = false` makes every exchange fail as a card out of infrared sight does.

import type { KeyObject } from "node:crypto"
import { decodeCommand, encodeResponse, SW_AUTH_METHOD_BLOCKED, SW_BYTES_REMAINING, SW_CONDITIONS_NOT_SATISFIED, SW_OK, SW_SECURITY_NOT_SATISFIED, SW_WRONG_DATA, CLA_CHAINING, SW_APPLICATION_NOT_FOUND, SW_INS_NOT_SUPPORTED } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, CLA_PROPRIETARY, INS_GET_RESPONSE, INS_GET_SIGNATURE, INS_SELECT, INS_SIGN_HISTORY } from "../../src/link/card-commands"
import { LinkLostError, type ApduLink } from "../../src/link/apdu-link"
import { parseHistory } from "../../src/certificate/transaction-history"
import { signCms } from "./cms-signer"

/** The card's signature as the software signer makes it, with an enrolled holder's key. */
export function cmsSigner(holder: { certificate: Buffer; key: KeyObject }): (history: Buffer) => Buffer {
    return (history) => signCms(history, holder.certificate, holder.key)
}

export type HolderAnswer = "sign" | "cancel" | "wrong-password" | "locked" | { sw: number }

export interface ScriptedHolder {
    /** GET SIGNATURE polls answered 6985 before the holder is done. */
    polls: number
    answer: HolderAnswer
}

export class SigningCardStandIn implements ApduLink {
    inSight = true
    /** Every command that reached the card: CLA, INS, data length. */
    readonly commands: { cla: number; ins: number; lc: number }[] = []
    /** The histories shown to the holder. */
    readonly shown: Buffer[] = []
    /** CMS signatures handed out in full. */
    readonly signed: Buffer[] = []
    /** Called before each command is answered (a test takes the card out of sight here). */
    onCommand: (ins: number, n: number) => void = () => {}

    private selected = false
    private chained: Buffer[] = []
    private request: { history: Buffer; polls: number } | null = null
    private cms: Buffer | null = null
    private pending: Buffer = Buffer.alloc(0)

    constructor(
        /** The card's signature over a history; null: a card without a certificate. */
        private readonly sign: ((history: Buffer) => Buffer) | null,
        public holder: ScriptedHolder = { polls: 2, answer: "sign" },
        private readonly maxResponse = 200,
    ) {}

    async transceive(apdu: Buffer): Promise<Buffer> {
        const c = decodeCommand(apdu)
        this.commands.push({ cla: c.cla, ins: c.ins, lc: c.data.length })
        this.onCommand(c.ins, this.commands.length)
        if (!this.inSight) throw new LinkLostError("the card is out of infrared sight")
        return this.answer(c.cla, c.ins, c.p1, c.data)
    }

    private status(sw: number): Buffer {
        return encodeResponse(Buffer.alloc(0), sw)
    }

    /** Response data, cut to one response with 61xx when more waits for GET RESPONSE. */
    private part(data: Buffer): Buffer {
        if (data.length <= this.maxResponse) {
            this.pending = Buffer.alloc(0)
            // The last part is answered: the request is over.
            if (this.cms !== null) this.signed.push(this.cms)
            this.request = null
            this.cms = null
            return encodeResponse(data, SW_OK)
        }
        this.pending = data.subarray(this.maxResponse)
        const left = this.pending.length
        return encodeResponse(data.subarray(0, this.maxResponse), SW_BYTES_REMAINING | (left >= 256 ? 0 : left))
    }

    private answer(cla: number, ins: number, p1: number, data: Buffer): Buffer {
        if (cla === CLA_ISO && ins === INS_GET_RESPONSE) {
            if (this.pending.length === 0) return this.status(SW_CONDITIONS_NOT_SATISFIED)
            return this.part(this.pending)
        }
        this.pending = Buffer.alloc(0)
        if ((cla & CLA_CHAINING) !== 0) {
            this.chained.push(data)
            return this.status(SW_OK)
        }
        const whole = Buffer.concat([...this.chained, data])
        this.chained = []
        if (cla === CLA_ISO && ins === INS_SELECT) {
            this.selected = p1 === 4 && whole.toString("hex") === ACTIVECARD_AID
            return this.status(this.selected ? SW_OK : SW_APPLICATION_NOT_FOUND)
        }
        if (!this.selected) return this.status(SW_CONDITIONS_NOT_SATISFIED)
        if (cla === CLA_PROPRIETARY && ins === INS_SIGN_HISTORY) {
            try {
                parseHistory(whole)
            } catch {
                return this.status(SW_WRONG_DATA)
            }
            if (this.sign === null) return this.status(SW_CONDITIONS_NOT_SATISFIED)
            this.shown.push(whole)
            this.request = { history: whole, polls: 0 }
            this.cms = null
            return this.status(SW_OK)
        }
        if (cla === CLA_PROPRIETARY && ins === INS_GET_SIGNATURE) {
            const r = this.request
            if (r === null || this.sign === null) return this.status(SW_CONDITIONS_NOT_SATISFIED)
            if (r.polls++ < this.holder.polls) return this.status(SW_CONDITIONS_NOT_SATISFIED)
            const a = this.holder.answer
            if (a === "sign") {
                // Signed once; asked again mid-way, the same CMS starts over.
                if (this.cms === null) this.cms = this.sign(r.history)
                return this.part(this.cms)
            }
            this.request = null
            if (a === "cancel" || a === "wrong-password") return this.status(SW_SECURITY_NOT_SATISFIED)
            if (a === "locked") return this.status(SW_AUTH_METHOD_BLOCKED)
            return this.status(a.sw)
        }
        return this.status(SW_INS_NOT_SUPPORTED)
    }
}
