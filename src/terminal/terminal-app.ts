// The merchant terminal as an application, one sale at a time, as a state machine:
//   AMOUNT (keypad) -> MONTHS (keypad) -> TAP (wait for a card in the field) -> PAYING (relay,
//   PIN pad when the card asks) -> RESULT (approval number, or code and reason), each transition logged
// Keypad, display and card reader are injected: Jacdac roles on the device, whatever the
// simulator or a board provides behind them. Keys: digits, '#' confirms, '*' clears or cancels;
// 'B' at the empty amount prompt switches to the transaction-signing mode (sign-mode.ts).

import { fittedDisplay } from "./display-text"
import { formatAmount } from "../payment/money"
import { Payment, MAX_AMOUNT } from "../payment/payment"
import { Log, logTransition, noLog } from "../log"
import { InquiryPolicy, PinEntry, TerminalOutcome, TerminalRelay, UplinkPort } from "./terminal-relay"
import { ReaderCard } from "./signing-card"

export const APP_AMOUNT = "AMOUNT"
export const APP_MONTHS = "MONTHS"
export const APP_TAP = "TAP"
export const APP_PAYING = "PAYING"
export const APP_RESULT = "RESULT"
export type AppStateName = typeof APP_AMOUNT | typeof APP_MONTHS | typeof APP_TAP | typeof APP_PAYING | typeof APP_RESULT

export const KEY_ENTER = "#"
export const KEY_CANCEL = "*"
/** At the empty amount prompt: a transaction for the holder's card to sign instead of a sale. */
export const KEY_SIGN_MODE = "B"

export interface TerminalDisplay {
    show(text: string): void
}

export interface Keypad {
    /** The next key label pressed, or "" when none came within the timeout. */
    nextKey(timeoutMs: number): Promise<string>
}

export interface CardReader {
    /** Resolves true once a card is in the field, false after the timeout. */
    waitForCard(timeoutMs: number): Promise<boolean>
    card(): ReaderCard
}

/** Another mode the terminal offers from its idle prompt (the transaction-signing mode). */
export interface TerminalMode {
    run(): Promise<void>
}

/**
 * Digits up to '#' from `keypad`, shown with `render` as they are typed (as '*' when `mask`); null
 * when cancelled ('*' with nothing typed) or timed out. `escapeKey`, pressed with nothing typed,
 * is returned as it is ("" for none).
 */
export async function readDigits(display: TerminalDisplay, keypad: Keypad, timeoutMs: number, render: (typed: string) => string, maxDigits: number, mask: boolean, escapeKey: string): Promise<string | null> {
    let typed = ""
    for (;;) {
        let shown = typed
        if (mask) {
            shown = ""
            for (let i = 0; i < typed.length; i++) shown += "*"
        }
        display.show(render(shown))
        const key = await keypad.nextKey(timeoutMs)
        if (key === "") return null
        if (key === KEY_ENTER) return typed
        if (key === KEY_CANCEL) {
            if (typed === "") return null
            typed = ""
        } else if (key === escapeKey && typed === "") return key
        else if (key.length === 1 && key >= "0" && key <= "9" && typed.length < maxDigits) typed += key
    }
}

export interface SaleSettings {
    terminalId: string
    merchantId: string
    currency: number
    /** How long a holder may take at each prompt and to tap. */
    promptTimeoutMs: number
    /** Characters per display line (20 on the board's LCD): longer texts are broken into lines. */
    displayColumns: number
}

export class TerminalApp {
    state: AppStateName = APP_AMOUNT
    /** What 'B' at the empty amount prompt starts; null: the key does nothing. */
    signMode: TerminalMode | null = null

    private readonly display: TerminalDisplay

    constructor(
        display: TerminalDisplay,
        private readonly keypad: Keypad,
        private readonly reader: CardReader,
        private readonly uplink: UplinkPort,
        private readonly randomBytes: (n: number) => Buffer,
        private readonly settings: SaleSettings,
        /** How to ask for the outcome after a lost answer (see TerminalRelay). */
        private readonly inquiry: InquiryPolicy | null = null,
        /** Where the sale's and the relay's transitions are logged. */
        private readonly log: Log = noLog,
    ) {
        this.display = fittedDisplay(display, settings.displayColumns)
    }

    private enter(next: AppStateName): void {
        logTransition(this.log, "terminal", this.state, next)
        this.state = next
    }

    /** Digits up to '#'; null when cancelled or timed out. `render` shows the digits typed so far. */
    private async readNumber(render: (typed: string) => string, maxDigits: number, mask: boolean, escapeKey = ""): Promise<string | null> {
        return await readDigits(this.display, this.keypad, this.settings.promptTimeoutMs, render, maxDigits, mask, escapeKey)
    }

    private finish(message: string, outcome: TerminalOutcome | null): TerminalOutcome | null {
        this.enter(APP_RESULT)
        this.display.show(message)
        return outcome
    }

    /** One sale; null when the merchant or holder cancelled before the card was involved, or the operator ran the signing mode instead. */
    async sale(): Promise<TerminalOutcome | null> {
        const currency = this.settings.currency
        this.enter(APP_AMOUNT)
        const signMode = this.signMode
        const amountText = await this.readNumber((t: string) => "AMOUNT\n" + (t === "" ? "0" : formatAmount(parseInt(t), currency)), 12, false, signMode !== null ? KEY_SIGN_MODE : "")
        if (amountText === KEY_SIGN_MODE && signMode !== null) {
            await signMode.run()
            return null
        }
        if (amountText === null || amountText === "") return this.finish("CANCELLED", null)
        const amount = parseInt(amountText)
        if (!(amount > 0 && amount <= MAX_AMOUNT)) return this.finish("INVALID AMOUNT", null)
        this.enter(APP_MONTHS)
        const monthsText = await this.readNumber((t: string) => "INSTALLMENTS\n" + (t === "" ? "NONE" : t + " MONTHS"), 2, false)
        if (monthsText === null) return this.finish("CANCELLED", null)
        const months = monthsText === "" ? 0 : parseInt(monthsText)
        const shown = formatAmount(amount, currency) + (months > 1 ? ", " + months + " MONTHS" : "")
        this.enter(APP_TAP)
        this.display.show("TAP CARD\n" + shown)
        if (!(await this.reader.waitForCard(this.settings.promptTimeoutMs))) return this.finish("NO CARD - CANCELLED", null)
        this.enter(APP_PAYING)
        this.display.show("PROCESSING\nKEEP CARD IN FIELD")
        const payment: Payment = {
            amount: amount,
            currency: currency,
            installments: months,
            merchantId: this.settings.merchantId,
            terminalId: this.settings.terminalId,
            transactionId: this.randomBytes(8),
        }
        const self = this
        const pinPad: PinEntry = {
            enterPin: async () => {
                const pin = await self.readNumber((t: string) => "ENTER PIN\n" + t, 12, true)
                self.display.show("PROCESSING\nKEEP CARD IN FIELD")
                return pin
            },
        }
        const outcome = await new TerminalRelay(this.reader.card(), this.uplink, this.randomBytes, false, this.inquiry, this.log).pay(payment, pinPad)
        return this.finish(outcome.message + "\n" + shown, outcome)
    }
}
