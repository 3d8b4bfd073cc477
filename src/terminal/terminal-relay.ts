// The merchant terminal's side of a payment, as a state machine: offer the payment to the card,
// pass the holder's PIN to the card, then relay EAP between card and payment server without being
// able to read or forge what matters (it holds no key), and show the outcome. It never sees the
// card number: the card gives a pseudonym, re-authentication ID or card ID; only the server maps
// it. States: OFFER -> PIN -> IDENTITY -> RELAY -> DONE.

import { EAP_REQUEST, EAP_TYPE_IDENTITY, encodeEap } from "../eap/eap-packet"
import { encodePayment, Payment } from "../payment/payment"
import { concat, fromUtf8 } from "../bytes"
import { RC_APPROVED, RC_CUSTOMER_CANCELLED, RC_INCORRECT_PIN, RC_ISSUER_UNAVAILABLE, RC_PIN_TRIES_EXCEEDED, RC_SYSTEM_MALFUNCTION } from "../payment/result"

export const PIN_ANSWER_OK = 0
export const PIN_ANSWER_WRONG = 1
export const PIN_ANSWER_LOCKED = 2
export const PIN_ANSWER_NOT_NEEDED = 3

export class LinkLostError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "LinkLostError"
    }
}

/** The card as the terminal reaches it (NFC or infrared); methods throw LinkLostError when the card is gone. */
export interface CardPort {
    offer(p: Payment): Promise<void>
    /** PIN_ANSWER_* ; `triesLeft` after a wrong PIN. */
    verifyPin(pin: string): Promise<{ answer: number; triesLeft: number }>
    pinRequired(): Promise<boolean>
    /** One EAP request in, the card's EAP response out (null when the card stays silent). */
    eap(request: Buffer): Promise<Buffer | null>
}

export interface UplinkReply {
    kind: "challenge" | "accept" | "reject"
    eap: Buffer | null
    state: Buffer | null
    responseCode: string
    approvalNumber: string
    reason: string
}

export class UplinkError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "UplinkError"
    }
}

/** The payment server as the terminal reaches it (RADIUS); throws UplinkError when unreachable. */
export interface UplinkPort {
    send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply>
}

/** The terminal's PIN pad: asked only when the card requires a PIN; null when the holder cancels. */
export interface PinEntry {
    enterPin(): Promise<string | null>
}

export interface TerminalOutcome {
    approved: boolean
    responseCode: string
    approvalNumber: string
    /** What the display shows. */
    message: string
}

/**
 * Figure 7 piggyback: the EAP-Request/Identity the terminal sends carries the payment after a NUL
 * (RFC 3748 5.1 lets the displayable message end at a NUL, RFC 4284 uses the rest for data).
 */
export const IDENTITY_PROMPT = "ACTIVECARD PAYMENT"

export function identityRequestWithOffer(id: number, p: Payment): Buffer {
    return encodeEap({ code: EAP_REQUEST, id: id, type: EAP_TYPE_IDENTITY, data: concat([fromUtf8(IDENTITY_PROMPT), Buffer.alloc(1), encodePayment(p)]) })
}

export const TERMINAL_OFFER = 0
export const TERMINAL_PIN = 1
export const TERMINAL_IDENTITY = 2
export const TERMINAL_RELAY = 3
export const TERMINAL_DONE = 4

export class TerminalRelay {
    state = TERMINAL_OFFER
    /** Every EAP packet that crossed the terminal, in order: what it could observe. */
    readonly observed: { from: "card" | "server"; eap: Buffer }[] = []

    constructor(
        private readonly card: CardPort,
        private readonly uplink: UplinkPort,
        private readonly randomBytes: (n: number) => Buffer,
        /** Open with EAP-Start (figure 6) so the server sends the EAP-Request/Identity itself. */
        private readonly eapStart = false,
    ) {}

    /** `pin`: the PIN itself (tests, unattended use) or the PIN pad to ask once the card wants one. */
    async pay(payment: Payment, pin: string | PinEntry): Promise<TerminalOutcome> {
        try {
            return await this.run(payment, pin)
        } catch (e: any) {
            this.state = TERMINAL_DONE
            if (e instanceof LinkLostError) return this.done(false, RC_SYSTEM_MALFUNCTION, "", "CARD REMOVED - NOT APPROVED")
            if (e instanceof UplinkError) return this.done(false, RC_ISSUER_UNAVAILABLE, "", "SERVER UNREACHABLE - NOT APPROVED")
            throw e
        }
    }

    private done(approved: boolean, code: string, approval: string, message: string): TerminalOutcome {
        this.state = TERMINAL_DONE
        return { approved: approved, responseCode: code, approvalNumber: approval, message: message }
    }

    private async run(payment: Payment, pin: string | PinEntry): Promise<TerminalOutcome> {
        this.state = TERMINAL_OFFER
        await this.card.offer(payment)
        this.state = TERMINAL_PIN
        if (await this.card.pinRequired()) {
            const entered = typeof pin === "string" ? pin : await pin.enterPin()
            if (entered === null) return this.done(false, RC_CUSTOMER_CANCELLED, "", "CANCELLED - NOT APPROVED")
            const r = await this.card.verifyPin(entered)
            if (r.answer === PIN_ANSWER_LOCKED) return this.done(false, RC_PIN_TRIES_EXCEEDED, "", "CARD LOCKED - PIN TRIES EXCEEDED")
            if (r.answer === PIN_ANSWER_WRONG) return this.done(false, RC_INCORRECT_PIN, "", "WRONG PIN - " + r.triesLeft + " TRIES LEFT")
        }
        this.state = TERMINAL_IDENTITY
        let request = identityRequestWithOffer(this.randomBytes(1)[0], payment)
        let state: Buffer | null = null
        let first = true
        if (this.eapStart) {
            // EAP-Start (an empty EAP-Message, RFC 3579 3.1) carries the payment; the server answers with the Identity request.
            const reply = await this.uplink.send(Buffer.alloc(0), null, payment)
            first = false
            if (reply.kind !== "challenge" || reply.eap === null) return this.done(false, reply.responseCode !== "" ? reply.responseCode : RC_SYSTEM_MALFUNCTION, "", "SERVER REFUSED EAP-START")
            this.observed.push({ from: "server", eap: reply.eap })
            request = reply.eap
            state = reply.state
        }
        for (let round = 0; round < 16; round++) {
            const response = await this.card.eap(request)
            if (response === null) return this.done(false, RC_SYSTEM_MALFUNCTION, "", "CARD DID NOT ANSWER - NOT APPROVED")
            this.observed.push({ from: "card", eap: response })
            this.state = TERMINAL_RELAY
            // Figure 7: the payment rides on the first request (the card's identity) so the server stores it first.
            const reply = await this.uplink.send(response, state, first ? payment : null)
            first = false
            if (reply.eap !== null) this.observed.push({ from: "server", eap: reply.eap })
            if (reply.kind === "challenge") {
                if (reply.eap === null) return this.done(false, RC_SYSTEM_MALFUNCTION, "", "SERVER ERROR - NOT APPROVED")
                request = reply.eap
                state = reply.state
                continue
            }
            // Pass EAP-Success/Failure on so the card closes its side; its answer does not change the outcome.
            if (reply.eap !== null) {
                try {
                    await this.card.eap(reply.eap)
                } catch (e) {
                    // The server has decided; a card removed now changes nothing.
                }
            }
            if (reply.kind === "accept" && (reply.responseCode === RC_APPROVED || reply.responseCode === "")) {
                return this.done(true, RC_APPROVED, reply.approvalNumber, reply.approvalNumber !== "" ? "APPROVED " + reply.approvalNumber : "AUTHENTICATED")
            }
            const code = reply.responseCode !== "" ? reply.responseCode : "05"
            return this.done(false, code, "", "DECLINED " + code + (reply.reason !== "" ? " " + reply.reason.toUpperCase() : ""))
        }
        return this.done(false, RC_SYSTEM_MALFUNCTION, "", "TOO MANY ROUNDS - NOT APPROVED")
    }
}
