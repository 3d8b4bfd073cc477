// The merchant terminal as the transaction terminal of the certificate patent's second embodiment
// ([55]-[63]): the service provider writes the transaction history, the terminal passes it to the
// holder's card over its card link (infrared), the holder reads it and signs on the card, and the
// terminal forwards the card's CMS signature to the service provider, which verifies it and
// performs the transaction. One transaction at a time, as a state machine:
//   SIGN_PHONE (holder's phone number) -> SIGN_AMOUNT -> SIGN_FETCH (the service writes the
//   history) -> SIGN_WAIT_CARD -> SIGN_SENDING (SIGN HISTORY) -> SIGN_HOLDER (GET SIGNATURE every
//   pollMs until the holder is done) -> SIGN_FORWARD (the signature to the service) -> SIGN_RESULT
// The card's part (SIGN_WAIT_CARD to SIGN_HOLDER) is card-signature.ts, shared with the vending
// machine. The signature is forwarded at most once: an answer lost on the way shows the outcome as
// unknown, and the service's own state tells whether it was performed. '*' cancels at every
// prompt, and while the holder signs.

import { fittedDisplay } from "./display-text"
import { formatAmount } from "../payment/money"
import { MAX_AMOUNT } from "../payment/payment"
import { Log, logTransition, noLog } from "../log"
import { CardReader, Keypad, readDigits, TerminalDisplay } from "./terminal-app"
import { askSignature, STEP_SENDING, STEP_WAIT_CARD } from "./card-signature"

export const SIGN_PHONE = "SIGN_PHONE"
export const SIGN_AMOUNT = "SIGN_AMOUNT"
export const SIGN_FETCH = "SIGN_FETCH"
export const SIGN_WAIT_CARD = "SIGN_WAIT_CARD"
export const SIGN_SENDING = "SIGN_SENDING"
export const SIGN_HOLDER = "SIGN_HOLDER"
export const SIGN_FORWARD = "SIGN_FORWARD"
export const SIGN_RESULT = "SIGN_RESULT"

/** The service provider refused the request; `message` is its one-line reason. */
export class ServiceRefusedError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "ServiceRefusedError"
    }
}

/** The service provider did not answer; `sent` when the request may have reached it. */
export class ServiceUnreachableError extends Error {
    constructor(
        message: string,
        readonly sent: boolean,
    ) {
        super(message)
        this.name = "ServiceUnreachableError"
    }
}

/** The service provider as the terminal reaches it (HTTP: service-uplink.ts). */
export interface SignUplink {
    /** Asks for a payment by the holder of `phone`: the canonical history for the card to sign. */
    open(phone: string, amount: number, currency: number): Promise<Buffer>
    /** Forwards the card's CMS signature over transaction `id`: the service's one-line answer. */
    forward(id: string, cms: Buffer): Promise<string>
}

export interface SignSettings {
    currency: number
    /** How long the operator may take at each prompt, the holder to present the card and to sign. */
    promptTimeoutMs: number
    /** How often the terminal asks the card for its signature. */
    pollMs: number
    displayColumns: number
}

export interface SignOutcome {
    /** The service answered OK: the transaction is performed. */
    performed: boolean
    /** Whether the signature went to the service (once at most). */
    forwarded: boolean
    /** What the display shows. */
    message: string
}

/** The transaction ID of a canonical history (its second line, `ID <id>`), or "" when there is none. */
export function historyId(history: Buffer): string {
    const lines = history.toString().split("\n")
    if (lines.length < 3 || lines[0] !== "ACTIVECARD HISTORY 1" || lines[1].indexOf("ID ") !== 0) return ""
    const id = lines[1].slice(3)
    if (id.length < 1 || id.length > 32) return ""
    for (let i = 0; i < id.length; i++) {
        const c = id.charCodeAt(i)
        if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return ""
    }
    return id
}

export class SignMode {
    state = SIGN_RESULT

    private readonly display: TerminalDisplay

    constructor(
        display: TerminalDisplay,
        private readonly keypad: Keypad,
        private readonly reader: CardReader,
        private readonly uplink: SignUplink,
        private readonly settings: SignSettings,
        private readonly log: Log = noLog,
    ) {
        this.display = fittedDisplay(display, settings.displayColumns)
    }

    private enter(next: string): void {
        logTransition(this.log, "terminal sign", this.state, next)
        this.state = next
    }

    private finish(message: string, performed: boolean, forwarded: boolean): SignOutcome {
        this.enter(SIGN_RESULT)
        this.display.show(message)
        return { performed: performed, forwarded: forwarded, message: message }
    }

    async run(): Promise<void> {
        await this.sign()
    }

    /** One transaction from the operator's first key to the service's answer. */
    async sign(): Promise<SignOutcome> {
        const s = this.settings
        this.enter(SIGN_PHONE)
        const phone = await readDigits(this.display, this.keypad, s.promptTimeoutMs, (t: string) => "SIGN: HOLDER PHONE\n+" + t, 15, false, "")
        if (phone === null || phone === "") return this.finish("CANCELLED", false, false)
        this.enter(SIGN_AMOUNT)
        const amountText = await readDigits(this.display, this.keypad, s.promptTimeoutMs, (t: string) => "SIGN: AMOUNT\n" + formatAmount(t === "" ? 0 : parseInt(t), s.currency), 12, false, "")
        if (amountText === null || amountText === "") return this.finish("CANCELLED", false, false)
        const amount = parseInt(amountText)
        if (!(amount > 0 && amount <= MAX_AMOUNT)) return this.finish("INVALID AMOUNT", false, false)
        const shown = formatAmount(amount, s.currency)

        this.enter(SIGN_FETCH)
        this.display.show("ASKING SERVICE\n" + shown)
        let history: Buffer
        try {
            history = await this.uplink.open("+" + phone, amount, s.currency)
        } catch (e) {
            if (e instanceof ServiceRefusedError) return this.finish(e.message.toUpperCase() + "\n" + shown, false, false)
            if (e instanceof ServiceUnreachableError) return this.finish("SERVICE UNREACHABLE - NOT SIGNED", false, false)
            throw e
        }
        const id = historyId(history)
        if (id === "") return this.finish("BAD ANSWER FROM SERVICE - NOT SIGNED", false, false)

        const self = this
        const answer = await askSignature(
            this.reader,
            this.keypad,
            this.display,
            history,
            s,
            { present: "HOLD CARD TO READER\n" + shown, sending: "SENDING TO CARD\nKEEP CARD IN SIGHT", holder: "HOLDER SIGNS ON CARD\n" + shown, outOfSight: "CARD OUT OF SIGHT\nHOLD CARD TO READER" },
            (step: number) => {
                self.enter(step === STEP_WAIT_CARD ? SIGN_WAIT_CARD : step === STEP_SENDING ? SIGN_SENDING : SIGN_HOLDER)
            },
        )
        const cms = answer.cms
        if (cms === null) return this.finish(answer.failure + " - NOT SIGNED", false, false)

        this.enter(SIGN_FORWARD)
        this.display.show("FORWARDING\n" + shown)
        let said: string
        try {
            said = await this.uplink.forward(id, cms)
        } catch (e) {
            if (!(e instanceof ServiceUnreachableError)) throw e
            if (e.sent) return this.finish("NO ANSWER FROM SERVICE - OUTCOME UNKNOWN", false, true)
            return this.finish("SERVICE UNREACHABLE - NOT FORWARDED", false, false)
        }
        return this.finish(said.toUpperCase() + "\n" + shown, said.indexOf("OK") === 0, true)
    }
}
