// One sale driven the way a merchant and a holder would do it on the simulated boards: type the
// amount and installments on the terminal's keypad, tap the card, type the PIN when the terminal
// asks, read the result from the terminal's display, take the card away.

import type { Simulator } from "./simulator"

/** What the terminal shows when a sale is over (see src/terminal/terminal-relay.ts and terminal-app.ts). */
export const RESULT_TEXT = /^(APPROVED|AUTHENTICATED|DECLINED|WRONG PIN|CARD LOCKED|CARD REMOVED|CARD DID NOT ANSWER|SERVER|CANCELLED|NO CARD|TOO MANY|INVALID AMOUNT)/

export interface SaleRequest {
    amount: number
    months: number
    pin: string
    /** Called for each new field message; return true to pull the card away right there. */
    pullWhen?: (what: string) => boolean
    timeoutMs?: number
}

export interface SaleResult {
    /** The terminal's final display text. */
    display: string
    approved: boolean
    /** From the first frame in the field to the approval (or other result) on the terminal's display; null if nothing crossed the field. */
    tapToResultMs: number | null
}

export async function runSale(sim: Simulator, req: SaleRequest): Promise<SaleResult> {
    const timeout = req.timeoutMs ?? 30_000
    const terminal = sim.terminalDisplay
    let since = terminal.shown.length
    await sim.waitTerminal(/^AMOUNT/, timeout, Math.max(0, since - 1))
    await sim.keys(String(req.amount) + "#")
    await sim.waitTerminal(/^INSTALLMENTS/, timeout, since)
    await sim.keys(String(req.months) + "#")
    await sim.waitTerminal(/^TAP CARD/, timeout, since)
    since = terminal.shown.length
    sim.pullWhen(req.pullWhen ?? null)
    sim.tap()
    try {
        // The terminal asks for the PIN only when the card wants one; otherwise the result comes directly.
        const asked = await sim.waitTerminalIndex(new RegExp("^ENTER PIN|" + RESULT_TEXT.source.slice(1)), timeout, since)
        if (/^ENTER PIN/.test(terminal.shown[asked])) await sim.keys(req.pin + "#")
        const at = await sim.waitTerminalIndex(RESULT_TEXT, timeout, asked)
        const display = terminal.shown[at]
        const tappedAt = sim.tappedAt
        const tapToResultMs = tappedAt === null ? null : terminal.shownAt(at) - tappedAt
        return { display, approved: /^APPROVED/.test(display), tapToResultMs }
    } finally {
        sim.pullWhen(null)
        sim.pull()
        // The result stays until a key: clear it for the next sale.
        await sim.keys("*")
    }
}
