// The merchant terminal's side of a payment, as a state machine: offer the payment to the card,
// pass the holder's PIN to the card, then relay EAP between card and payment server without being
// able to read or forge what matters (it holds no key), and show the outcome. It never sees the
// card number: the card gives a pseudonym, re-authentication ID or card ID; only the server maps
// it. States: OFFER -> PIN -> IDENTITY -> RELAY -> DONE, each transition logged.
//
// When the answer is lost (no answer, the server restarted, an answer that fails authentication)
// after the server may have decided, the outcome is in doubt: the card may show an approval the
// terminal never heard. The terminal then asks the server for the ledger's outcome of that
// transaction ID (a status inquiry, src/radius/inquiry.ts) and shows it:
//   RELAY -> INQUIRY (ask) -> IN_DOUBT (wait, doubling the delay) -> INQUIRY ... -> DONE
// The asking is bounded; an outcome still unknown is shown as such, never as a decline.

import { EAP_REQUEST, EAP_TYPE_IDENTITY, encodeEap } from "../eap/eap-packet"
import { encodePayment, Payment } from "../payment/payment"
import { concat, fromUtf8 } from "../bytes"
import { Log, logTransition, noLog } from "../log"
import { LinkLostError } from "../link/apdu-link"
import { RC_APPROVED, RC_CUSTOMER_CANCELLED, RC_DO_NOT_HONOR, RC_IN_PROGRESS, RC_INCORRECT_PIN, RC_ISSUER_UNAVAILABLE, RC_NO_RECORD, RC_PIN_TRIES_EXCEEDED, RC_SYSTEM_MALFUNCTION } from "../payment/result"

export const PIN_ANSWER_OK = 0
export const PIN_ANSWER_WRONG = 1
export const PIN_ANSWER_LOCKED = 2

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
    /**
     * The ledger's outcome of this terminal's transaction: "accept" with the final decision,
     * "reject" with RC_NO_RECORD (never decided), RC_IN_PROGRESS (not final yet) or another code
     * (the inquiry was refused).
     */
    inquire(transactionId: Buffer): Promise<UplinkReply>
}

/**
 * How the terminal asks again while the outcome is in doubt: at once, then after `firstDelayMs`,
 * the delay doubling up to `maxDelayMs`, `attempts` inquiries at most.
 */
export interface InquiryPolicy {
    sleep: (ms: number) => Promise<void>
    firstDelayMs: number
    maxDelayMs: number
    attempts: number
}

/** Eight inquiries over about 30 seconds (0, 0.5, 1, 2, 4, 8, 8, 8 s apart), plus the transport's timeouts. */
export function inquiryPolicy(sleep: (ms: number) => Promise<void>): InquiryPolicy {
    return { sleep: sleep, firstDelayMs: 500, maxDelayMs: 8000, attempts: 8 }
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

export const TERMINAL_OFFER = "OFFER"
export const TERMINAL_PIN = "PIN"
export const TERMINAL_IDENTITY = "IDENTITY"
export const TERMINAL_RELAY = "RELAY"
export const TERMINAL_DONE = "DONE"
/** The answer was lost after the server may have decided: waiting before asking again. */
export const TERMINAL_IN_DOUBT = "IN_DOUBT"
/** Asking the server for the ledger's outcome of the transaction. */
export const TERMINAL_INQUIRY = "INQUIRY"
export type RelayStateName =
    | typeof TERMINAL_OFFER
    | typeof TERMINAL_PIN
    | typeof TERMINAL_IDENTITY
    | typeof TERMINAL_RELAY
    | typeof TERMINAL_DONE
    | typeof TERMINAL_IN_DOUBT
    | typeof TERMINAL_INQUIRY

function outcomeOf(approved: boolean, code: string, approval: string, message: string): TerminalOutcome {
    return { approved: approved, responseCode: code, approvalNumber: approval, message: message }
}

/** The outcome a decision from the server shows. */
function decided(code: string, approval: string, reason: string): TerminalOutcome {
    if (code === RC_APPROVED && approval !== "") return outcomeOf(true, RC_APPROVED, approval, "APPROVED " + approval)
    const c = code !== "" ? code : RC_DO_NOT_HONOR
    return outcomeOf(false, c, "", "DECLINED " + c + (reason !== "" ? " " + reason.toUpperCase() : ""))
}

export class TerminalRelay {
    state: RelayStateName = TERMINAL_OFFER
    /** Every EAP packet that crossed the terminal, in order: what it could observe. */
    readonly observed: { from: "card" | "server"; eap: Buffer }[] = []

    /** Requests sent to the server for the current payment. */
    private sent = 0
    /** Whether the current exchange ended without a decision after the server may have made one. */
    private inDoubt = false

    constructor(
        private readonly card: CardPort,
        private readonly uplink: UplinkPort,
        private readonly randomBytes: (n: number) => Buffer,
        /** Open with EAP-Start (figure 6) so the server sends the EAP-Request/Identity itself. */
        private readonly eapStart = false,
        /** How to ask again while the outcome is in doubt; null asks once. */
        private readonly inquiry: InquiryPolicy | null = null,
        /** Where the transitions are logged. */
        private readonly log: Log = noLog,
    ) {}

    private enter(next: RelayStateName): void {
        logTransition(this.log, "terminal relay", this.state, next)
        this.state = next
    }

    /** `pin`: the PIN itself (tests, unattended use) or the PIN pad to ask once the card wants one. */
    async pay(payment: Payment, pin: string | PinEntry): Promise<TerminalOutcome> {
        this.sent = 0
        this.inDoubt = false
        let outcome: TerminalOutcome
        try {
            outcome = await this.run(payment, pin)
        } catch (e: any) {
            if (!(e instanceof UplinkError)) {
                this.enter(TERMINAL_DONE)
                if (e instanceof LinkLostError) return outcomeOf(false, RC_SYSTEM_MALFUNCTION, "", "CARD REMOVED - NOT APPROVED")
                throw e
            }
            outcome = outcomeOf(false, RC_ISSUER_UNAVAILABLE, "", "SERVER UNREACHABLE - NOT APPROVED")
            // Nothing is decided before the card answers a challenge: a request after the one that
            // carried the payment must have gone out.
            this.inDoubt = this.sent > 1
        }
        if (this.inDoubt) outcome = await this.resolve(payment.transactionId, outcome)
        this.enter(TERMINAL_DONE)
        return outcome
    }

    private async send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> {
        this.sent++
        return await this.uplink.send(eap, state, payment)
    }

    /**
     * In doubt: asks the server what its ledger holds for the transaction, at once and then with a
     * growing delay while there is no answer or the outcome is not final. `fallback` is what the
     * terminal shows when the ledger has no record (the payment was never decided: not approved).
     */
    private async resolve(transactionId: Buffer, fallback: TerminalOutcome): Promise<TerminalOutcome> {
        const policy = this.inquiry
        const attempts = policy !== null ? policy.attempts : 1
        let delay = policy !== null ? policy.firstDelayMs : 0
        for (let i = 0; i < attempts; i++) {
            if (i > 0 && policy !== null) {
                this.enter(TERMINAL_IN_DOUBT)
                await policy.sleep(delay)
                delay = Math.min(delay * 2, policy.maxDelayMs)
            }
            this.enter(TERMINAL_INQUIRY)
            let r: UplinkReply | null = null
            try {
                r = await this.uplink.inquire(transactionId)
            } catch (e: any) {
                if (!(e instanceof UplinkError)) throw e
            }
            if (r === null) continue
            if (r.kind === "accept") return decided(r.responseCode, r.approvalNumber, r.reason)
            if (r.responseCode === RC_NO_RECORD) return outcomeOf(false, fallback.responseCode, "", fallback.message)
            if (r.responseCode !== RC_IN_PROGRESS) break
        }
        return outcomeOf(false, RC_ISSUER_UNAVAILABLE, "", "NO ANSWER - OUTCOME UNKNOWN")
    }

    private async run(payment: Payment, pin: string | PinEntry): Promise<TerminalOutcome> {
        this.enter(TERMINAL_OFFER)
        await this.card.offer(payment)
        this.enter(TERMINAL_PIN)
        if (await this.card.pinRequired()) {
            const entered = typeof pin === "string" ? pin : await pin.enterPin()
            if (entered === null) return outcomeOf(false, RC_CUSTOMER_CANCELLED, "", "CANCELLED - NOT APPROVED")
            const r = await this.card.verifyPin(entered)
            if (r.answer === PIN_ANSWER_LOCKED) return outcomeOf(false, RC_PIN_TRIES_EXCEEDED, "", "CARD LOCKED - PIN TRIES EXCEEDED")
            if (r.answer === PIN_ANSWER_WRONG) return outcomeOf(false, RC_INCORRECT_PIN, "", "WRONG PIN - " + r.triesLeft + " TRIES LEFT")
        }
        this.enter(TERMINAL_IDENTITY)
        let request = identityRequestWithOffer(this.randomBytes(1)[0], payment)
        let state: Buffer | null = null
        let first = true
        if (this.eapStart) {
            // EAP-Start (an empty EAP-Message, RFC 3579 3.1) carries the payment; the server answers with the Identity request.
            const reply = await this.send(Buffer.alloc(0), null, payment)
            first = false
            if (reply.kind !== "challenge" || reply.eap === null) return outcomeOf(false, reply.responseCode !== "" ? reply.responseCode : RC_SYSTEM_MALFUNCTION, "", "SERVER REFUSED EAP-START")
            this.observed.push({ from: "server", eap: reply.eap })
            request = reply.eap
            state = reply.state
        }
        for (let round = 0; round < 16; round++) {
            const response = await this.card.eap(request)
            if (response === null) return outcomeOf(false, RC_SYSTEM_MALFUNCTION, "", "CARD DID NOT ANSWER - NOT APPROVED")
            this.observed.push({ from: "card", eap: response })
            this.enter(TERMINAL_RELAY)
            // Figure 7: the payment rides on the first request (the card's identity) so the server stores it first.
            const reply = await this.send(response, state, first ? payment : null)
            first = false
            if (reply.eap !== null) this.observed.push({ from: "server", eap: reply.eap })
            if (reply.kind === "challenge") {
                if (reply.eap === null) return outcomeOf(false, RC_SYSTEM_MALFUNCTION, "", "SERVER ERROR - NOT APPROVED")
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
                return outcomeOf(true, RC_APPROVED, reply.approvalNumber, reply.approvalNumber !== "" ? "APPROVED " + reply.approvalNumber : "AUTHENTICATED")
            }
            // A refusal that is no decision (an exchange the server no longer knows after a restart,
            // a failed authentication) leaves the outcome in doubt once the server may have decided.
            if (reply.kind === "reject" && reply.responseCode === "") this.inDoubt = this.sent > 1
            return decided(reply.responseCode, "", reply.reason)
        }
        return outcomeOf(false, RC_SYSTEM_MALFUNCTION, "", "TOO MANY ROUNDS - NOT APPROVED")
    }
}
