// What the dashboard page may see of the simulator, as plain JSON: the boards as their emulated
// chips hold them (the HD44780's character RAM, the SSD1306's display RAM, the LED's colour), the
// field trace as the terminal saw it, the server's log lines where they happened, and the ledger.
// Everything here goes to a browser, so it carries only what the terminal or a bystander could see:
// the trace's readable and opaque parts (names and lengths, never the bytes), the LCD as the
// firmware drew it (a PIN as asterisks), the ledger without the encoded payment. The PIN, the card
// number and the keys never reach these records.

import type { Simulator } from "../simulator/simulator"
import { KEYPAD_LABELS } from "../simulator/boards"
import { destination, Party } from "../trace/field-trace"
import type { LedgerRecord } from "../db/storage"
import { decodePayment } from "../../src/payment/payment"
import { fromHex } from "../../src/bytes"
import { KEYPAD_4X4_LABELS } from "../../src/drivers/pcf8574-keypad"

export const OLED_WIDTH = 128

/** Sent once to each page: what the boards are made of. */
export interface Layout {
    link: string
    /** The card can also be held in infrared sight (the boards have both chips). */
    chips: boolean
    keypad: { columns: number; labels: string[] }
    /** The card's 4x3 keypad (its PCF8574 on the card's bus, or its Jacdac keypad). */
    cardKeypad: { columns: number; labels: string[] }
    lcd: { columns: number; rows: number }
    /** The card's OLED, or null when its display is the abstract character screen. */
    oled: { width: number; height: number } | null
}

export interface BoardsView {
    terminal: { lcd: string[]; backlight: boolean; vm: boolean }
    card: {
        /** Display RAM of the pages the panel shows, base64, page-major (bit 0: a page's top row). */
        oled: string
        /** The panel lights: display on and charge pump on. */
        lit: boolean
        inverted: boolean
        allOn: boolean
        /** The display as text (the OLED read back through its font): the canvas's accessible name. */
        text: string
        led: string
        vm: boolean
    }
    /** Where the card is held: "none", "nfc", "infrared" or "field" (the abstract Card Link). */
    field: string
    server: boolean
    /** The control being carried out, or "" when the simulator is idle. */
    busy: string
}

export type TraceEntry =
    | { kind: "field"; n: number; from: Party; to: Party; via: string; what: string; readable: string[]; opaque: string[] }
    | { kind: "server"; text: string }

export interface LedgerRow {
    txid: string
    cardId: string
    merchant: string
    amount: number
    currency: number
    installments: number
    code: string
    approval: string
    reason: string
    state: string
    at: number
}

export function layoutOf(sim: Simulator): Layout {
    const chips = sim.chips
    // The board's 4x4 keypad behind its PCF8574, or the abstract field's 4x3 simulated keypad.
    const labels = chips ? KEYPAD_4X4_LABELS.split("") : KEYPAD_LABELS
    return {
        link: sim.link,
        chips: chips !== null,
        keypad: { columns: chips ? 4 : 3, labels },
        cardKeypad: { columns: 3, labels: KEYPAD_LABELS },
        lcd: chips ? { columns: chips.lcd.columns, rows: chips.lcd.rows } : { columns: 20, rows: 2 },
        oled: chips ? { width: OLED_WIDTH, height: chips.oled.height } : null,
    }
}

/** The keys the page may press: the keypad's legends. */
export function keypadLabels(sim: Simulator): string[] {
    return layoutOf(sim).keypad.labels
}

/** The keys the page may press on the card. */
export function cardKeypadLabels(sim: Simulator): string[] {
    return layoutOf(sim).cardKeypad.labels
}

export function boardsOf(sim: Simulator, busy: string): BoardsView {
    const chips = sim.chips
    const terminalLines = chips ? chips.lcd.lines() : sim.terminalDisplay.text.split("\n")
    const oled = chips ? chips.oled : null
    return {
        terminal: { lcd: terminalLines, backlight: chips ? chips.lcd.backlight : true, vm: sim.terminalVm !== null },
        card: {
            oled: oled ? oled.ram.subarray(0, OLED_WIDTH * (oled.height / 8)).toString("base64") : "",
            lit: oled ? oled.lit() : true,
            inverted: oled ? oled.inverted : false,
            allOn: oled ? oled.entireDisplayOn : false,
            text: sim.cardDisplay.text,
            led: sim.cardLed.color,
            vm: sim.cardVm !== null,
        },
        field: chips ? (chips.held ?? "none") : sim.field === "terminal" ? "field" : "none",
        server: sim.server !== null,
        busy,
    }
}

/**
 * The timeline entries from `from` on. `via` is where the card is held when the entry is read:
 * the page polls every few tens of milliseconds, much faster than anyone moves a card.
 */
export function traceEntries(sim: Simulator, from: number, via: string): TraceEntry[] {
    const lines = sim.fieldLines()
    return sim.timeline.slice(from).map((e): TraceEntry => {
        if (e.kind === "server") return { kind: "server", text: e.text }
        const l = lines[e.index]
        return { kind: "field", n: e.index + 1, from: l.from, to: destination(l), via, what: l.what, readable: l.readable.slice(), opaque: l.opaque.slice() }
    })
}

export function ledgerRows(records: LedgerRecord[]): LedgerRow[] {
    return records.map((r) => {
        let merchant = ""
        let installments = 0
        try {
            const p = decodePayment(fromHex(r.payment))
            merchant = p.merchantId
            installments = p.installments
        } catch {
            // a record the server could not have written: shown without those columns
        }
        return {
            txid: r.txid,
            cardId: r.cardId,
            merchant,
            amount: r.amount,
            currency: r.currency,
            installments,
            code: r.result.responseCode,
            approval: r.result.approvalNumber,
            reason: r.result.reason,
            state: r.state,
            at: r.at,
        }
    })
}
