// Fitting the terminal's texts to its character display (20 columns on the board's LCD): a line
// that is too long breaks after " - " first ("CARD REMOVED - NOT APPROVED" becomes two lines),
// then at spaces, and a word longer than the display is cut. Portable and pure.

function wrapWords(line: string, columns: number, out: string[]): void {
    let current = ""
    for (const word of line.split(" ")) {
        const w = word.length > columns ? word.slice(0, columns) : word
        if (current === "") current = w
        else if (current.length + 1 + w.length <= columns) current += " " + w
        else {
            out.push(current)
            current = w
        }
    }
    if (current !== "") out.push(current)
}

export function fitToColumns(text: string, columns: number): string {
    const out: string[] = []
    for (const line of text.split("\n")) {
        if (line.length <= columns) {
            out.push(line)
            continue
        }
        for (const part of line.split(" - ")) {
            if (part.length <= columns) out.push(part)
            else wrapWords(part, columns, out)
        }
    }
    return out.join("\n")
}

/** A display that fits every text to `columns` before `display` shows it. */
export function fittedDisplay(display: { show(text: string): void }, columns: number): { show(text: string): void } {
    return {
        show: (text: string) => {
            display.show(fitToColumns(text, columns))
        },
    }
}
