// The active card as an application: a blank card runs the personalization applet; a
// personalized one loads itself from flash (its family says how: aka-card.ts for EAP-AKA/AKA',
// tls-card.ts for EAP-TLS) and runs the payment applet. What the holder sees (display, LED), the
// button and the keypad are injected ports, the same in the simulator and on a board. The keypad
// types into one entry at a time (a LineEditor on the display); what an entry is for is its kind,
// handled when it is entered.

import { formatAmount } from "../payment/money"
import { Payment } from "../payment/payment"
import { CardApplet, HistorySigner } from "./card-applet"
import { CARD_DONE, CARD_IDLE, CARD_OFFERED, CardSession, CardUi } from "./card-session"
import { LINE_EDITING, LineEditor } from "./line-editor"
import { PersonalizationApplet } from "./card-personalization"
import { PinRecord } from "./pin"

export const LED_IDLE = 0x000020
export const LED_WAITING = 0x302000
export const LED_APPROVED = 0x003000
export const LED_REFUSED = 0x300000
/** A transaction with no command for this long was abandoned (the card left the field). */
export const ABANDONED_AFTER_MS = 3000
/** While the holder types the PIN on the terminal (an offer waits for VERIFY), the terminal's own prompt timeout applies. */
export const PIN_ENTRY_ABANDONED_AFTER_MS = 60000
/** The entry a key opens on an idle card: the typing is shown masked, then the card's own screen again. */
export const ENTRY_DIGITS = "DIGITS"

/** The holder-facing parts of the card. */
export interface CardPanel {
    show(text: string): void
    led(rgb: number): void
}

/** An application beside the payments that takes keypad keys on an idle card, and signs. */
/** The kind of payment card: how it is personalized and how it authenticates. */
export interface CardFamily {
    /** The personalized card from flash, or null for a blank card (throws on an unreadable one). */
    load(): Promise<PaymentCard | null>
    /** Validates a personalization record and stores it, the commit point last; FormatError on a bad record. */
    personalize(record: Buffer): Promise<void>
}

/** A personalized card: its PIN record and how a transaction starts. */
export interface PaymentCard {
    pin: PinRecord
    newSession(ui: CardUi): CardSession
}

export interface CardKeys extends HistorySigner {
    /** A key: true when taken. */
    key(k: string): boolean
    /** Time passing: the card's clock and the time since the last command, in ms. */
    tick(nowMs: number, sinceCommandMs: number): void
}

export class ActiveCard {
    private applet: CardApplet | null = null
    private perso: PersonalizationApplet | null = null
    private lastStatus = ""
    private lastCommandAt = 0
    /** What the card shows when nothing else is on: ready, locked or blank. */
    private home = ""
    /** The line the keypad types into, or null; its kind and prompt. */
    private entry: LineEditor | null = null
    private entryKind = ""
    private entryPrompt = ""

    constructor(
        private readonly family: CardFamily,
        private readonly panel: CardPanel,
        /** Largest response data per APDU on this card's link. */
        private readonly maxResponse: number,
        /** Milliseconds, for noticing an abandoned transaction. */
        private readonly now: () => number = () => 0,
        /** The certificate functions (keys 1 and 2, the signing commands), or null. */
        private readonly cert: CardKeys | null = null,
    ) {}

    /** Loads the card from flash; a blank (or unreadable) card waits for personalization. */
    async boot(): Promise<void> {
        let stored: PaymentCard | null = null
        try {
            stored = await this.family.load()
        } catch (e) {
            stored = null
        }
        const self = this
        let home = "BLANK CARD\nAWAITING ISSUER"
        let led = LED_WAITING
        if (stored === null) {
            this.perso = new PersonalizationApplet(this.family.personalize)
        } else {
            const card = stored
            const panel = this.panel
            const ui: CardUi = {
                showPayment: (p: Payment) => {
                    let text = "PAY " + formatAmount(p.amount, p.currency) + "\n"
                    text += p.installments > 1 ? p.installments + " MONTHS" : "SINGLE PAYMENT"
                    text += "\n" + p.merchantId
                    panel.show(text)
                    panel.led(LED_WAITING)
                },
                showStatus: (t: string) => {
                    self.lastStatus = t
                    if (t === "CARD LOCKED") self.home = t
                    panel.show(t)
                    if (t.indexOf("APPROVED") === 0 || t === "AUTHENTICATED") panel.led(LED_APPROVED)
                    else if (t === "PIN OK") panel.led(LED_WAITING)
                    else panel.led(LED_REFUSED)
                },
            }
            this.applet = new CardApplet(() => card.newSession(ui), this.maxResponse, this.cert)
            const usable = card.pin.triesLeft > 0
            home = usable ? "ACTIVECARD\nREADY" : "CARD LOCKED"
            led = usable ? LED_IDLE : LED_REFUSED
        }
        this.home = home
        this.panel.show(home)
        this.panel.led(led)
    }

    personalized(): boolean {
        return this.applet !== null
    }

    /** One APDU from whichever link reached the card. */
    async process(apdu: Buffer): Promise<Buffer> {
        this.lastCommandAt = this.now()
        const applet = this.applet
        if (applet !== null) return await applet.process(apdu)
        const perso = this.perso
        if (perso === null) return Buffer.from([0x6f, 0x00])
        const answer = await perso.process(apdu)
        if (perso.personalized) {
            this.perso = null
            await this.boot()
        }
        return answer
    }

    /**
     * Called now and then by the firmware: a transaction that stopped half-way (the card left the
     * field, the terminal gave up) is closed on the card's side, and the holder sees it did not
     * complete instead of a stale "PIN OK".
     */
    tick(): void {
        // A signature request has no payment session: the holder may type for as long as it takes.
        if (this.cert !== null) this.cert.tick(this.now(), this.now() - this.lastCommandAt)
        const applet = this.applet
        const session = this.transaction()
        if (applet === null || session === null) return
        const limit = session.state === CARD_OFFERED ? PIN_ENTRY_ABANDONED_AFTER_MS : ABANDONED_AFTER_MS
        if (this.now() - this.lastCommandAt < limit) return
        applet.reset()
        this.lastStatus = "NOT COMPLETED"
        this.panel.show("NOT COMPLETED")
        this.panel.led(LED_REFUSED)
    }

    /** The session of a transaction under way, or null. */
    private transaction(): CardSession | null {
        const applet = this.applet
        const session = applet !== null ? applet.session : null
        return session === null || session.state === CARD_DONE || session.state === CARD_IDLE ? null : session
    }

    /** Whether the keypad types now: not while a transaction is under way. */
    takesKeys(): boolean {
        return this.transaction() === null
    }

    /** Opens a line on the display for the keypad; entryDone gets `kind` and the text back. */
    startEntry(kind: string, prompt: string, maxLength: number, masked: boolean): LineEditor {
        const e = new LineEditor(maxLength, masked)
        this.entry = e
        this.entryKind = kind
        this.entryPrompt = prompt
        this.panel.show(prompt + "\n" + e.shown())
        return e
    }

    /**
     * A key from the card's keypad ("0".."9", "*", "#", ...): it goes to the open entry; on an idle
     * card any key opens one. A transaction under way takes no keys.
     */
    keyPressed(key: string): void {
        if (!this.takesKeys()) return
        let e = this.entry
        if (e === null && this.cert !== null && this.applet !== null && this.cert.key(key)) return
        if (e === null) e = this.startEntry(ENTRY_DIGITS, "KEYPAD", 16, true)
        e.key(key)
        if (e.state === LINE_EDITING) {
            this.panel.show(this.entryPrompt + "\n" + e.shown())
            return
        }
        // The entry is over (entered or cancelled); ENTRY_DIGITS only shows the typing.
        this.entry = null
        this.panel.show(this.home)
    }

    /** The button: refuse the payment on display, or else show the last outcome again. */
    buttonPressed(): void {
        const applet = this.applet
        const session = applet !== null ? applet.session : null
        if (session !== null && session.cancel()) return
        if (this.lastStatus !== "") this.panel.show(this.lastStatus)
    }
}
