// Every text a display showed, in order and with the time it appeared. A sale is read from the
// terminal's display as a person reads it (AMOUNT, TAP CARD, ENTER PIN, APPROVED ...), and a text
// can be replaced before anyone polls the screen again: waiting on the history, from a known
// position, sees each text even if it lasted a moment.

import { waitUntil } from "./wait-until"

/** A display the simulator reads: its text now, and a hook called with each new text. */
export interface ScreenView {
    readonly text: string
    onChange: (text: string) => void
}

export class DisplayHistory {
    private readonly texts: string[] = []
    private readonly times: number[] = []
    private readonly listeners: ((text: string) => void)[] = []

    /** Takes over the screen's change hook: listen() is the way to hear about new texts. */
    constructor(private readonly screen: ScreenView) {
        screen.onChange = (text) => {
            this.texts.push(text)
            this.times.push(Date.now())
            for (const listener of this.listeners) listener(text)
        }
    }

    /** What the display shows now. */
    get text(): string {
        return this.screen.text
    }

    /** Every text shown, oldest first. */
    get shown(): readonly string[] {
        return this.texts
    }

    /** The last text shown, or null before the first. */
    get last(): string | null {
        return this.texts.length > 0 ? this.texts[this.texts.length - 1] : null
    }

    /** When the text at `index` appeared (ms since the epoch). */
    shownAt(index: number): number {
        return this.times[index]
    }

    /** Calls `listener` with each text shown from now on. */
    listen(listener: (text: string) => void): void {
        this.listeners.push(listener)
    }

    /** The position of the first text from `since` on that matches `re`, or null. */
    find(re: RegExp, since: number): number | null {
        for (let i = since; i < this.texts.length; i++) if (re.test(this.texts[i])) return i
        return null
    }

    /** Waits for a text matching `re` at position `since` or later; resolves with its position. */
    async waitFor(re: RegExp, timeoutMs: number, since: number, what: string, detail: () => string = () => ""): Promise<number> {
        await waitUntil(() => this.find(re, since) !== null, timeoutMs, what, detail)
        const at = this.find(re, since)
        if (at === null) throw new Error(what) // never: texts are only added
        return at
    }

    /** The texts from `since` on, one line each, joined with " // " (for error messages). */
    describe(since = 0): string {
        return this.texts
            .slice(since)
            .map((t) => t.replace(/\n/g, " | "))
            .join(" // ")
    }
}
