// One transaction on the card, as a state machine over the terminal's commands:
//   IDLE -> OFFERED (payment shown to the holder) -> VERIFIED (PIN checked, when one is required)
//   -> AUTHENTICATING (the card's EAP method running) -> DONE (outcome shown, or cancelled, or refused)
// The card answers the terminal's EAP only after the PIN check when a PIN is required. What is
// common to every method is here; the method's exchange is a subclass's (aka-card-session.ts,
// tls-card-session.ts), so a card image carries only its own method. Each transition is logged
// through the platform's log.

import { AkaPlatform } from "../eap/aka-crypto"
import { decodePayment, Payment, samePayment } from "../payment/payment"
import { EAP_REQUEST, EAP_TYPE_IDENTITY } from "../eap/eap-packet"
import { constantTimeEqual, copyOf } from "../bytes"
import { PaymentResult } from "../payment/result"
import { PIN_LOCKED, PIN_OK, PIN_WRONG, PinRecord, pinVerifier, validPinFormat } from "./pin"
import { logTransition } from "../log"

export const CARD_IDLE = "IDLE"
export const CARD_OFFERED = "OFFERED"
export const CARD_VERIFIED = "VERIFIED"
export const CARD_AUTHENTICATING = "AUTHENTICATING"
export const CARD_DONE = "DONE"
export type CardStateName = typeof CARD_IDLE | typeof CARD_OFFERED | typeof CARD_VERIFIED | typeof CARD_AUTHENTICATING | typeof CARD_DONE

/** What the card shows its holder (display, LED); the card application renders it. */
export interface CardUi {
    showPayment(p: Payment): void
    showStatus(text: string): void
}

export interface CardStorage {
    /** Durably stores the PIN record (try counter) before resolving. */
    savePin(r: PinRecord): Promise<void>
}

export abstract class CardSession {
    state: CardStateName = CARD_IDLE
    protected payment: Payment | null = null

    constructor(
        /** The PIN record: its try counter tells the terminal how many tries are left, 0 when locked. */
        readonly pin: PinRecord,
        protected readonly platform: AkaPlatform,
        private readonly storage: CardStorage,
        private readonly ui: CardUi,
        /** Payments at or under this amount need no PIN (0: always ask). */
        private readonly noPinLimit: number,
    ) {}

    protected enter(next: CardStateName): void {
        logTransition(this.platform.log, "card session", this.state, next)
        this.state = next
    }

    /** The terminal presents the payment to confirm (or null for a zero-amount authentication). */
    offer(p: Payment | null): void {
        this.payment = p
        this.enter(CARD_OFFERED)
        if (p !== null) this.ui.showPayment(p)
    }

    pinRequired(): boolean {
        return this.payment !== null && this.payment.amount > this.noPinLimit
    }

    /** The payment is offered (its PIN checked when one is required) and the exchange not started. */
    private beforeExchange(): boolean {
        return this.state === CARD_OFFERED || this.state === CARD_VERIFIED
    }

    /**
     * Checks the PIN: the try counter is decremented and stored BEFORE the comparison, so pulling
     * the card away or cutting power mid-check never yields a free try. Returns PIN_OK, PIN_WRONG
     * or PIN_LOCKED.
     */
    async verifyPin(pin: string): Promise<number> {
        const record = this.pin
        const open = this.beforeExchange()
        let r = PIN_LOCKED
        if (open && record.triesLeft > 0) {
            record.triesLeft--
            await this.storage.savePin(record)
            r = record.triesLeft <= 0 ? PIN_LOCKED : PIN_WRONG
            if (validPinFormat(pin) && constantTimeEqual(pinVerifier(this.platform.sha256, record.salt, pin), record.verifier)) {
                record.triesLeft = record.maxTries
                await this.storage.savePin(record)
                r = PIN_OK
                this.enter(CARD_VERIFIED)
            }
        }
        if (open) this.ui.showStatus(r === PIN_OK ? "PIN OK" : r === PIN_LOCKED ? "CARD LOCKED" : "WRONG PIN")
        return r
    }

    /** The holder refuses on the card (its button) before it authenticates: it answers nothing more. */
    cancel(): boolean {
        if (!this.beforeExchange()) return false
        this.enter(CARD_DONE)
        this.ui.showStatus("CANCELLED")
        return true
    }

    /** An EAP request relayed by the terminal; null when the card does not answer (yet). */
    async eap(request: Buffer): Promise<Buffer | null> {
        if (this.pin.triesLeft <= 0) return null
        // The payment piggybacked on an EAP-Request/Identity after a NUL (figure 7).
        let offer: Payment | null = null
        if (this.beforeExchange() && request.length >= 6 && request[0] === EAP_REQUEST && request[4] === EAP_TYPE_IDENTITY) {
            const nul = request.indexOf(0, 5)
            const len = ((request[2] << 8) | request[3]) - nul - 1
            try {
                if (nul > 0 && len > 0) offer = decodePayment(copyOf(request, nul + 1, nul + 1 + len))
            } catch (e) {
                offer = null
            }
        }
        if (offer !== null) {
            if (this.payment === null) {
                this.payment = offer
                this.ui.showPayment(offer)
            } else if (!samePayment(offer, this.payment)) {
                // The terminal shows the holder one payment and piggybacks another: refuse outright.
                this.ui.showStatus("PAYMENT MISMATCH")
                this.enter(CARD_DONE)
                return null
            }
        }
        // A PIN is required and not verified yet: the card stays silent until it is.
        if (this.state === CARD_OFFERED && this.pinRequired()) return null
        if (this.beforeExchange()) this.enter(CARD_AUTHENTICATING)
        if (this.state !== CARD_AUTHENTICATING) return null
        return await this.step(request)
    }

    /** One EAP request of the method's exchange for `this.payment` (the first starts it); the method calls finish() once it is over. */
    protected abstract step(request: Buffer): Promise<Buffer | null>

    /** The exchange is over: the holder sees the approval, the authentication or the decline. */
    protected finish(success: boolean, r: PaymentResult | null): void {
        this.enter(CARD_DONE)
        this.ui.showStatus(success ? (r !== null ? "APPROVED " + r.approvalNumber : "AUTHENTICATED") : "DECLINED " + (r !== null ? r.responseCode : ""))
    }
}
