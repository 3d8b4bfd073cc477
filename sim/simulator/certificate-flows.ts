// The certificate functions driven the way a holder, a bank customer and a merchant would drive
// them on the simulated boards (the simulator started with `certificates`):
//   enrolCard      idle `1` on the card's keypad, the reference number and one-time secret from
//                  the CA's letter, a new password twice; the card enrols over CMP with the CA
//   signOnline     the customer asks the bank for a transfer (POST /transfers, as the page's form
//                  does); the bank's SMS `ACSIGN <id>` reaches the card's modem; the holder pages
//                  through the history with `#`, types the password; the card posts its signature
//   signInfrared   the merchant presses `B` on the terminal, types the holder's phone and the
//                  amount; the card, in infrared sight, shows the history; the holder signs on it
// Each returns what the displays showed; none prints a secret or a password.

import type { DisplayHistory } from "./display-history"
import type { Simulator } from "./simulator"
import type { CertificateServices, TransferAnswer } from "./certificates"
import { HOLDER } from "./certificates"
import { waitUntil } from "./wait-until"

/** The card's prompts, in the order enrolment asks them. */
export const ENROL_PROMPTS = { reference: /^REFERENCE\?/, secret: /^SECRET\?/, password: /^NEW PASSWORD\?/, repeat: /^REPEAT PASSWORD\?/ }
/** The card asks for the signing password. */
const PASSWORD_PROMPT = /^PASSWORD\?/
/** Texts the card shows while it works: no key is pressed on them. */
const CARD_BUSY = /^(ENROLLING|FETCHING|LOADING|SIGNING|SENDING|POSTING|CONNECTING|PLEASE WAIT|WAIT|SMS|NOTICE)(\n|$)/
/** A card's enrolment is over: enrolled with the serial shown, or failed with a reason. */
const ENROL_OVER = (t: string) => /^(ENROLLED\nSERIAL\n[0-9A-F]{16}$|ENROL FAILED\n\S)/.test(t)
/** A card's signing is over: the service's answer, or the card's reason. */
export const SIGN_OVER = /^(OK|REFUSED|SIGNED|HTTP|WRONG PASSWORD|SIGNING LOCKED|NOT FOR THIS CARD|NO SERVICE SET|NO CERTIFICATE|NOT ENROLLED|SERVICE|CANCELLED|CARD ERROR|ERROR|FAILED|BAD HISTORY|NO ANSWER|CARD LOST|TIMEOUT)/
/** The terminal's sign mode is over (src/terminal/sign-mode.ts): every result says what became of the transaction. */
const TERMINAL_SIGN_OVER = /NOT SIGNED|NOT FORWARDED|OUTCOME UNKNOWN|^OK |^REFUSED|^CANCELLED|^INVALID AMOUNT/
const oneLine = (t: string) => t.replace(/\n/g, " ")

/** How long a display must stay unchanged before a text it showed counts as complete. */
const QUIET_MS = 600

/** The card's OLED: rows and columns of text (src/drivers/ssd1306-text.ts on a 128x32 panel). */
const CARD_ROWS = 4
const CARD_COLUMNS = 21
/** How long a display may take to finish the text its firmware asked for. */
const FINISH_MS = 60_000

/**
 * Whether the card's OLED shows the whole text the card's firmware last asked for (its console's
 * `CARD DISPLAY` line), as the panel shows it: four rows of 21 characters. A busy VM can pause
 * the display's fiber between two lines of a text for longer than any quiet period.
 */
export function cardDisplayFinished(sim: Simulator): boolean {
    const lines = sim.cardVm?.lines() ?? []
    for (let i = lines.length - 1; i >= 0; i--) {
        if (!lines[i].startsWith("CARD DISPLAY ")) continue
        const wanted = lines[i]
            .slice("CARD DISPLAY ".length)
            .split(" | ")
            .slice(0, CARD_ROWS)
            .map((row) => row.slice(0, CARD_COLUMNS).trimEnd())
            .join("\n")
            .replace(/\n+$/, "")
        return sim.cardDisplay.text === wanted
    }
    return false
}

/**
 * Waits for a text at position `since` or later that `ok` accepts, then for the display to stay
 * unchanged for a moment and, where `finished` is given, to show the whole text its firmware last
 * asked for; the position of the last text `ok` accepts. A text of several lines is written a
 * line at a time, so the first match can still show a line of the text before.
 */
export async function waitShown(d: DisplayHistory, ok: (t: string) => boolean, timeoutMs: number, since: number, what: string, finished?: () => boolean, more: () => string = () => ""): Promise<number> {
    let at: number | null = null
    await waitUntil(
        () => {
            for (let i = since; i < d.shown.length && at === null; i++) if (ok(d.shown[i])) at = i
            return at !== null
        },
        timeoutMs,
        what,
        () => "shown: " + d.describe(since) + more(),
    )
    const first = at as unknown as number
    for (let n = d.shown.length, tries = 0; tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, QUIET_MS))
        if (d.shown.length === n) break
        n = d.shown.length
    }
    if (finished) await waitUntil(finished, FINISH_MS, what + ": the display never finished its text", () => "shown: " + d.describe(since))
    let last = first
    for (let i = first + 1; i < d.shown.length; i++) if (ok(d.shown[i])) last = i
    return last
}

export interface EnrolRequest {
    reference: string
    secret: string
    password: string
    /** What the holder types at REPEAT PASSWORD? (default: the password). */
    repeat?: string
    timeoutMs?: number
}

/** Enrols the card from its idle screen; resolves with the card's final text ("ENROLLED ..." or a reason). */
export async function enrolCard(sim: Simulator, req: EnrolRequest): Promise<string> {
    const card = sim.cardDisplay
    const finished = () => cardDisplayFinished(sim)
    const timeout = req.timeoutMs ?? 60_000
    const since = card.shown.length
    await sim.cardKeys("1")
    const entries: [RegExp, string][] = [
        [ENROL_PROMPTS.reference, req.reference],
        [ENROL_PROMPTS.secret, req.secret],
        [ENROL_PROMPTS.password, req.password],
        [ENROL_PROMPTS.repeat, req.repeat ?? req.password],
    ]
    let from = since
    for (const [prompt, digits] of entries) {
        const at = await waitShown(card, (t) => prompt.test(t) || (from > since && ENROL_OVER(t)), timeout, from, `the card never asked ${prompt}`, finished)
        if (!prompt.test(card.shown[at])) return card.shown[at]
        await sim.cardKeys(digits + "#")
        from = at + 1
    }
    // Key generation and CMP with the CA (PBM, two round trips) take a while in the VM.
    const at = await waitShown(card, ENROL_OVER, Math.max(timeout, 180_000), from, "the card's enrolment never ended", finished)
    return card.shown[at]
}

/** The serial the card shows after "ENROLLED" (hex digits), or null. */
export function shownSerial(text: string): string | null {
    const m = /ENROLLED\s+(?:SERIAL\s*)?([0-9A-Fa-f]{8,})/.exec(oneLine(text))
    return m === null ? null : m[1].toLowerCase()
}

export interface CardSigning {
    /** The history pages the card showed, in order. */
    pages: string[]
    /** The card's final text: the service's answer or the card's reason. */
    result: string
}

/**
 * The holder at the card while it asks to sign: `#` on each history page until PASSWORD?, then
 * the password and `#` (a null password: `*`, the holder cancels). From display position `since`.
 * Once `walkedAway` says so, the holder presses nothing more.
 */
export async function holderSigns(sim: Simulator, password: string | null, since: number, timeoutMs: number, walkedAway: () => boolean = () => false): Promise<CardSigning> {
    const card = sim.cardDisplay
    const finished = () => cardDisplayFinished(sim)
    const pages: string[] = []
    let from = since
    for (let step = 0; step < 40; step++) {
        const at = await waitShown(card, (t) => t !== "" && !CARD_BUSY.test(t), timeoutMs, from, "the card never showed the history, the password prompt or a result", finished)
        const t = card.shown[at]
        from = at + 1
        if (SIGN_OVER.test(t) || walkedAway()) return { pages, result: t }
        if (PASSWORD_PROMPT.test(t)) {
            await sim.cardKeys(password === null ? "*" : password + "#")
            if (password === null) return { pages, result: card.shown[await waitShown(card, (x) => SIGN_OVER.test(x), timeoutMs, from, "no result after cancelling", finished)] }
            // The masked digits redraw the prompt; skip to what comes after it.
            from = await skipPrompt(sim, from)
            continue
        }
        if (/^ACTIVECARD/.test(t)) continue // the idle screen before the notice arrived
        pages.push(t)
        await sim.cardKeys("#")
    }
    throw new Error("the card kept showing pages: " + card.describe(since))
}

/** The first position after the password prompt's redraws (masked digits), waiting for it. */
async function skipPrompt(sim: Simulator, from: number): Promise<number> {
    return await waitShown(sim.cardDisplay, (t) => !PASSWORD_PROMPT.test(t), 180_000, from, "the card stayed at PASSWORD?", () => cardDisplayFinished(sim))
}

export interface OnlineRequest {
    amount: number
    password: string | null
    /** Transfers from another account (another holder's phone): the SMS goes to that phone. */
    from?: typeof HOLDER
    to?: string
    timeoutMs?: number
}

export interface OnlineResult extends CardSigning {
    transfer: TransferAnswer
    /** The transfer as the page shows it once the card is done. */
    status: TransferAnswer
}

function services(sim: Simulator): CertificateServices {
    const s = sim.certificates
    if (s === null) throw new Error("the simulator runs without its certificate services (start it with certificates: true)")
    return s
}

/** The first embodiment: transfer asked on the bank's page, SMS notice, signature on the card. */
export async function signOnline(sim: Simulator, req: OnlineRequest): Promise<OnlineResult> {
    const s = services(sim)
    const since = sim.cardDisplay.shown.length
    const transfer = await s.requestTransfer(req.amount, req.from ?? HOLDER, req.to)
    const signing = await holderSigns(sim, req.password, since, req.timeoutMs ?? 180_000)
    return { ...signing, transfer, status: await s.transfer(transfer.id) }
}

export interface InfraredRequest {
    /** The holder's phone as the merchant types it (default the holder's, without "+"). */
    phone?: string
    amount: number
    password: string | null
    /** Takes the card out of infrared sight at the first matching field message. */
    pullWhen?: (what: string) => boolean
    timeoutMs?: number
}

export interface InfraredResult extends CardSigning {
    /** The terminal's final text: the service's answer, or why nothing was signed. */
    terminal: string
}

/** The second embodiment: the terminal's sign mode, the card in infrared sight, the password on the card. */
export async function signInfrared(sim: Simulator, req: InfraredRequest): Promise<InfraredResult> {
    const timeout = req.timeoutMs ?? 180_000
    const terminal = sim.terminalDisplay
    let since = terminal.shown.length
    await sim.waitTerminal(/^AMOUNT/, timeout, Math.max(0, since - 1))
    await sim.keys("B")
    await sim.waitTerminal(/^SIGN: HOLDER PHONE/, timeout, since)
    await sim.keys((req.phone ?? HOLDER.phone.slice(1)) + "#")
    await sim.waitTerminal(/^SIGN: AMOUNT/, timeout, since)
    await sim.keys(String(req.amount) + "#")
    const asked = await waitShown(terminal, (t) => /^HOLD CARD/.test(t) || TERMINAL_SIGN_OVER.test(oneLine(t)), timeout, since, "the terminal never asked for the card")
    since = asked
    const cardSince = sim.cardDisplay.shown.length
    let signing: CardSigning = { pages: [], result: "" }
    try {
        if (/^HOLD CARD/.test(terminal.shown[asked])) {
            sim.pullWhen(req.pullWhen ?? null)
            sim.tap("infrared")
            const done = waitShown(terminal, (t) => TERMINAL_SIGN_OVER.test(oneLine(t)), timeout, since, "the terminal's sign mode never ended")
            // The holder signs unless the terminal gives up first (a card taken out of sight).
            const holder = holderSigns(sim, req.password, cardSince, timeout).catch((e: Error) => ({ pages: [], result: "(" + e.message.split("\n")[0] + ")" }))
            const first = await Promise.race([done.then(() => "terminal" as const), holder.then(() => "card" as const)])
            if (first === "card") signing = await holder
            const at = await done
            if (first === "terminal") signing = await Promise.race([holder, new Promise<CardSigning>((r) => setTimeout(() => r({ pages: [], result: sim.cardDisplay.last ?? "" }), 5000))])
            return { ...signing, terminal: terminal.shown[at] }
        }
        return { ...signing, terminal: terminal.shown[asked] }
    } finally {
        sim.pullWhen(null)
        sim.pull()
        await sim.keys("*") // the result stays until a key
    }
}
