// What happened, in the order it happened: each message that crossed the field where the terminal
// sits (decoded by the field trace) and each line the payment server logged. The demo prints it,
// the dashboard shows it, and a test can pull the card away the moment a given message crosses.
// Only messages that cross while the card is held to the terminal are in it.

import { FieldTrace, type TraceLine } from "../trace/field-trace"
import type { CardPosition } from "./bus-routing"

/** One event in the order it happened: a field message (index into the field trace) or a server line. */
export type TimelineEntry = { kind: "field"; index: number } | { kind: "server"; text: string }

export class Story {
    private readonly trace = new FieldTrace()
    private readonly entries: TimelineEntry[] = []
    /** Field lines already in the timeline. */
    private entered = 0
    private pullOn: ((what: string) => boolean) | null = null
    /** Field lines already offered to pullOn. */
    private pullChecked = 0
    private firstCommandAt: number | null = null

    constructor(
        private readonly position: () => CardPosition,
        private readonly pullCard: () => void,
    ) {}

    get timeline(): readonly TimelineEntry[] {
        return this.entries
    }

    fieldLines(): TraceLine[] {
        return this.trace.lines()
    }

    /** True while the card is held to the terminal or the vending machine: only then does anything cross the field. */
    get inField(): boolean {
        const p = this.position()
        return p === "terminal" || p === "vending"
    }

    /** The card was just held to the terminal: its first command starts the tap-to-result clock. */
    tapped(): void {
        this.firstCommandAt = null
    }

    /** When the first command crossed the field after the last tap (ms since the epoch), or null. */
    get tappedAt(): number | null {
        return this.firstCommandAt
    }

    /** A command APDU crossing the field; false: the card is not there, or was pulled right then, and it never arrives. */
    command(apdu: Buffer): boolean {
        if (!this.inField) return false
        if (this.firstCommandAt === null) this.firstCommandAt = Date.now()
        this.trace.command(apdu)
        this.enterFieldLines()
        return !this.pullIfAsked()
    }

    /** The card's answer crossing the field; false as for command(). */
    response(apdu: Buffer): boolean {
        if (!this.inField) return false
        this.trace.response(apdu)
        this.enterFieldLines()
        return !this.pullIfAsked()
    }

    serverLine(text: string): void {
        this.enterFieldLines()
        this.entries.push({ kind: "server", text })
    }

    /** Pulls the card away the moment a field message matches (before it reaches its destination); null: never. */
    pullWhen(match: ((what: string) => boolean) | null): void {
        this.pullOn = match
        this.pullChecked = this.trace.lines().length
    }

    /** Applies pullWhen to the field messages traced since the last check; true if the card was pulled. */
    private pullIfAsked(): boolean {
        const pullOn = this.pullOn
        if (pullOn === null) return false
        const lines = this.trace.lines()
        for (; this.pullChecked < lines.length; this.pullChecked++) {
            if (pullOn(lines[this.pullChecked].what)) {
                this.pullCard()
                this.pullOn = null
                return true
            }
        }
        return false
    }

    private enterFieldLines(): void {
        const n = this.trace.lines().length
        for (; this.entered < n; this.entered++) this.entries.push({ kind: "field", index: this.entered })
    }
}
