// One line typed on the card's keypad, as a phone or a payment terminal takes a PIN: digits go in
// up to a maximum length, '*' takes the last one back (on an empty line it cancels), '#' enters
// the line; other keys do nothing. A secret line shows one '*' per digit. Every entry the card
// asks for (a number to type, a password) is one of these; the card decides what the entered
// text is for.

/** The line takes keys. */
export const LINE_EDITING = "EDITING"
/** '#' entered the line: `text` is final. */
export const LINE_ENTERED = "ENTERED"
/** '*' on an empty line: the holder gave up. */
export const LINE_CANCELLED = "CANCELLED"
export type LineState = typeof LINE_EDITING | typeof LINE_ENTERED | typeof LINE_CANCELLED

/** The longest line a secret can show masked (a line of the card's 128-pixel display). */
const MASK = "*********************"

export class LineEditor {
    state: LineState = LINE_EDITING
    text = ""

    constructor(
        /** At most this many digits (at most 21 for a masked line). */
        readonly maxLength: number,
        /** Show '*' for each digit instead of the digit. */
        readonly masked: boolean,
    ) {}

    /** One key label ("0".."9", "*", "#"; anything else is ignored, as is any key once the line is over). */
    key(k: string): void {
        const t = this.text
        if (this.state !== LINE_EDITING) return
        if (k === "#") this.state = LINE_ENTERED
        else if (k !== "*") {
            if (t.length < this.maxLength && "0123456789".indexOf(k) >= 0) this.text = t + k
        } else if (t === "") this.state = LINE_CANCELLED
        else this.text = t.slice(0, t.length - 1)
    }

    /** The line as the display shows it: the digits or their mask, and '_' where the next one goes. */
    shown(): string {
        const n = this.text.length
        return (this.masked ? MASK.slice(0, n) : this.text) + (n < this.maxLength ? "_" : "")
    }
}
