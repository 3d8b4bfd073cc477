// The offline vending machine (the certificate patent's third embodiment, [64]-[71]) as an
// application, one sale at a time, as a state machine:
//   IDLE (the items; a digit picks one) -> ITEM (name and price; '#' buys, '*' goes back) ->
//   CARD (the challenge to the holder's card over infrared, the holder confirms on the card:
//   card-signature.ts, as the transaction terminal's signing mode does) -> VERIFYING (the
//   injected verifier, offline, at the real-time clock's time) -> DISPENSING -> DONE, or
//   REFUSED with the reason at any step, nothing dispensed.
// The challenge is a canonical transaction history with a fresh nonce (challenge-text.ts); the
// verifier accepts a signature only over those exact bytes, so the machine keeps the challenge
// of the sale in progress and nothing else.
//
// Dispensed exactly once, never lost: before the output moves, the sale is written to flash as
// the pending record and read back (sales-log.ts); then the output pulses; then the sale goes to
// the sales log and the pending record is cleared. A power cut before the pending record is
// stored dispenses nothing; one after it leaves the record, and at boot the machine does not
// dispense it again: it logs the sale as UNCONFIRMED (the item may or may not have come out, to
// be reconciled with the machine's stock) and shows so. The log keeps every sale until it is
// uploaded; when it is full of unsent sales the machine is out of service rather than lose one.
// Display, keypad, card reader, clock, output, flash and verifier are injected.

import { fittedDisplay } from "../terminal/display-text"
import { formatAmount } from "../payment/money"
import { Log, logTransition, noLog } from "../log"
import { CardReader, Keypad, KEY_ENTER, TerminalDisplay } from "../terminal/terminal-app"
import { askSignature } from "../terminal/card-signature"
import { newNonce, vendingChallenge, VendingItem } from "./challenge-text"
import { VendingRefusal } from "./vending-refusal"
import { SaleRecord, SalesLog, STATUS_DISPENSED } from "./sales-log"
import { utcText } from "../utc-time"

export const VEND_IDLE = "IDLE"
export const VEND_ITEM = "ITEM"
export const VEND_CARD = "CARD"
export const VEND_VERIFYING = "VERIFYING"
export const VEND_DISPENSING = "DISPENSING"
export const VEND_DONE = "DONE"
export const VEND_REFUSED = "REFUSED"

/** What the card's CMS SignedData proves, checked offline; throws VendingRefusal. */
export interface SaleVerifier {
    verify(cms: Buffer, challenge: Buffer, nowSeconds: number): Promise<{ serial: string; holder: string }>
}

/** The machine's real-time clock. */
export interface VendingClock {
    /** Seconds since 1970 (UTC), or -1 when the clock's time is not to be trusted. */
    now(): Promise<number>
}

/** The output that hands out an item (a relay or motor driver). */
export interface Dispenser {
    /** Whether the output is there to move (checked before the card is asked). */
    ready(): boolean
    dispense(slot: number): Promise<void>
}

/** The machine's devices, as the application sees them. */
export interface VendingPorts {
    display: TerminalDisplay
    keypad: Keypad
    /** The infrared port on the board. */
    reader: CardReader
    clock: VendingClock
    dispenser: Dispenser
}

export interface VendingSettings {
    machineId: string
    /** What the display and the log show; the challenge names KRW (challenge-text.ts). */
    currency: number
    items: VendingItem[]
    /** How long a customer may take at each prompt, to present the card and to confirm on it. */
    promptTimeoutMs: number
    /** How often the card is asked for its signature. */
    pollMs: number
    displayColumns: number
}

export interface VendingOutcome {
    /** The output moved (once). */
    dispensed: boolean
    /** OK, or why not: CANCELLED, CARD, CLOCK, OUTPUT, STORAGE, LOG FULL, UNCONFIRMED, VERIFY, or the verifier's refusal text. */
    code: string
    /** What the display shows. */
    message: string
}

export const CODE_OK = "OK"
const NOTHING = "NOTHING DISPENSED"

export class VendingApp {
    state = VEND_IDLE
    private readonly display: TerminalDisplay
    private readonly keypad: Keypad
    private readonly reader: CardReader
    private readonly clock: VendingClock
    private readonly dispenser: Dispenser

    constructor(
        ports: VendingPorts,
        private readonly log: SalesLog,
        private readonly verifier: SaleVerifier,
        private readonly randomBytes: (n: number) => Buffer,
        private readonly settings: VendingSettings,
        private readonly trace: Log = noLog,
    ) {
        this.display = fittedDisplay(ports.display, settings.displayColumns)
        this.keypad = ports.keypad
        this.reader = ports.reader
        this.clock = ports.clock
        this.dispenser = ports.dispenser
    }

    private enter(next: string): void {
        logTransition(this.trace, "vending", this.state, next)
        this.state = next
    }

    private finish(state: string, dispensed: boolean, code: string, message: string): VendingOutcome {
        this.enter(state)
        this.display.show(message)
        return { dispensed: dispensed, code: code, message: message }
    }

    private refuse(code: string, why: string): VendingOutcome {
        return this.finish(VEND_REFUSED, false, code, why + "\n" + NOTHING)
    }

    /**
     * At start-up: reads the sales log and settles a sale the power cut left pending (logged
     * UNCONFIRMED, not dispensed again). The record settled, or null; its notice stays on the
     * display until the first key.
     */
    async boot(): Promise<SaleRecord | null> {
        await this.log.load()
        return await this.settle()
    }

    private async settle(): Promise<SaleRecord | null> {
        const r = await this.log.recover()
        if (r !== null) {
            this.trace("vending: sale " + r.nonce + " left pending, logged UNCONFIRMED")
            this.display.show("SALE UNCONFIRMED\nSLOT " + r.slot + " " + formatAmount(r.price, r.currency) + "\nLOGGED FOR CHECK")
        }
        return r
    }

    private item(key: string): VendingItem | null {
        const items = this.settings.items
        for (let i = 0; i < items.length; i++) if (key === "" + items[i].slot) return items[i]
        return null
    }

    private idleText(): string {
        const items = this.settings.items
        let s = "SELECT ITEM"
        for (let i = 0; i < items.length && i < 3; i++) s += "\n" + items[i].slot + " " + items[i].name
        return s
    }

    /** The clock's time, or -1 when it is unset, stopped or absent. */
    private async now(): Promise<number> {
        try {
            return await this.clock.now()
        } catch (e) {
            this.trace("vending: clock: " + (e as Error).message)
            return -1
        }
    }

    /**
     * One customer: null when nobody bought anything (no key within `idleMs`, a key that is no
     * item, any key but '#' at the item); else the outcome on the display.
     */
    async sale(idleMs: number): Promise<VendingOutcome | null> {
        const s = this.settings
        this.enter(VEND_IDLE)
        if (this.log.pendingSale()) {
            try {
                await this.settle()
            } catch (e) {
                return this.refuse("STORAGE", "OUT OF SERVICE\nSALES LOG FAULT")
            }
        }
        if (this.log.free() < 1) return this.refuse("LOG FULL", "OUT OF SERVICE\nSALES LOG FULL")
        this.display.show(this.idleText())
        const item = this.item(await this.keypad.nextKey(idleMs))
        if (item === null) return null
        const shown = formatAmount(item.price, s.currency)

        this.enter(VEND_ITEM)
        this.display.show(item.slot + " " + item.name + "\n" + shown + "\n# BUY  * BACK")
        const key = await this.keypad.nextKey(s.promptTimeoutMs)
        if (key !== KEY_ENTER) return null
        if (!this.dispenser.ready()) return this.refuse("OUTPUT", "OUT OF SERVICE\nNO DISPENSE OUTPUT")
        const at = await this.now()
        if (at < 0) return this.refuse("CLOCK", "CLOCK NOT SET")
        const nonce = newNonce(this.randomBytes)
        const challenge = vendingChallenge(nonce, s.machineId, at, item)

        this.enter(VEND_CARD)
        const answer = await askSignature(
            this.reader,
            this.keypad,
            this.display,
            challenge,
            s,
            { present: "POINT CARD AT IR\n" + item.name + " " + shown, sending: "SENDING TO CARD\nKEEP CARD IN SIGHT", holder: "CONFIRM ON CARD\n" + item.name + " " + shown, outOfSight: "CARD OUT OF SIGHT\nPOINT CARD AT IR" },
            (step: number) => {},
        )
        const cms = answer.cms
        if (cms === null) return this.refuse(answer.failure === "CANCELLED" ? "CANCELLED" : "CARD", answer.failure)

        this.enter(VEND_VERIFYING)
        this.display.show("VERIFYING\n" + item.name + " " + shown)
        // The holder took a while: the card's status and validity are judged at this moment.
        const now = await this.now()
        if (now < 0) return this.refuse("CLOCK", "CLOCK NOT SET")
        let serial: string
        try {
            serial = (await this.verifier.verify(cms, challenge, now)).serial
        } catch (e) {
            if (e instanceof VendingRefusal) {
                this.trace("vending: refused: " + e.message)
                return this.refuse(e.text, e.text)
            }
            this.trace("vending: verifier failed: " + (e as Error).message)
            return this.refuse("VERIFY", "CANNOT VERIFY")
        }

        this.enter(VEND_DISPENSING)
        const record: SaleRecord = { status: STATUS_DISPENSED, nonce: nonce, slot: item.slot, price: item.price, currency: s.currency, serial: serial, at: utcText(at) }
        try {
            await this.log.setPending(record)
        } catch (e) {
            this.trace("vending: pending sale not stored: " + (e as Error).message)
            return this.refuse("STORAGE", "STORAGE FAULT")
        }
        this.display.show("DISPENSING\n" + item.name)
        try {
            await this.dispenser.dispense(item.slot)
        } catch (e) {
            // Whether the item came out is unknown: as after a power cut, logged UNCONFIRMED.
            this.trace("vending: output failed: " + (e as Error).message)
            try {
                await this.settle()
            } catch (e2) {
                this.trace("vending: sale left pending: " + (e2 as Error).message)
            }
            return this.finish(VEND_REFUSED, false, "UNCONFIRMED", "DISPENSE FAULT\nSALE UNCONFIRMED")
        }
        try {
            await this.log.commit(record)
        } catch (e) {
            // The pending record stays: the next sale (or boot) logs it UNCONFIRMED.
            this.trace("vending: sale not logged: " + (e as Error).message)
        }
        return this.finish(VEND_DONE, true, CODE_OK, "TAKE YOUR ITEM\n" + item.name)
    }
}
