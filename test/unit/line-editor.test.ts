// The card's line editor (src/card/line-editor.ts): digits up to the maximum, '*' back and
// cancel, '#' enter, other keys ignored, masking; and the card application's keypad entry on top
// of it (src/card/active-card.ts): typed digits shown masked, back to the card's screen after.

import { describe, expect, test } from "vitest"
import { LINE_CANCELLED, LINE_EDITING, LINE_ENTERED, LineEditor } from "../../src/card/line-editor"
import { ActiveCard, CardPanel } from "../../src/card/active-card"
import { akaCard } from "../../src/card/aka-card"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemorySettings } from "../shared/memory-settings"

function typed(e: LineEditor, keys: string): LineEditor {
    for (const k of keys) e.key(k)
    return e
}

describe("line editor", () => {
    test("digits go in up to the maximum length; the cursor shows until it is reached", () => {
        const e = new LineEditor(4, false)
        expect(e.shown()).toBe("_")
        typed(e, "12")
        expect(e.text).toBe("12")
        expect(e.shown()).toBe("12_")
        typed(e, "3456")
        expect(e.text).toBe("1234")
        expect(e.shown()).toBe("1234")
        expect(e.state).toBe(LINE_EDITING)
    })

    test("'*' takes the last digit back; on an empty line it cancels", () => {
        const e = typed(new LineEditor(8, false), "12*")
        expect(e.text).toBe("1")
        typed(e, "*")
        expect(e.text).toBe("")
        expect(e.state).toBe(LINE_EDITING)
        typed(e, "*")
        expect(e.state).toBe(LINE_CANCELLED)
    })

    test("'#' enters the line, empty or not; keys after that change nothing", () => {
        const e = typed(new LineEditor(8, false), "907#")
        expect(e.state).toBe(LINE_ENTERED)
        expect(e.text).toBe("907")
        typed(e, "1*#")
        expect(e.text).toBe("907")
        expect(e.state).toBe(LINE_ENTERED)
        expect(typed(new LineEditor(8, false), "#").text).toBe("")
    })

    test("letters and unknown labels are ignored", () => {
        const e = typed(new LineEditor(8, false), "A1BC2D")
        expect(e.text).toBe("12")
        expect(e.state).toBe(LINE_EDITING)
    })

    test("a masked line shows one '*' per digit, never the digits", () => {
        const e = typed(new LineEditor(6, true), "4711")
        expect(e.shown()).toBe("****_")
        expect(e.text).toBe("4711")
        typed(e, "00")
        expect(e.shown()).toBe("******")
        const long = typed(new LineEditor(21, true), "123456789012345678901")
        expect(long.shown()).toBe("*".repeat(21))
    })
})

class Panel implements CardPanel {
    readonly shown: string[] = []
    show(text: string): void {
        this.shown.push(text)
    }
    led(): void {}
}

describe("the card's keypad entry", () => {
    test("a key on an idle card opens a masked entry; '#' or a cancel shows the card's screen again", async () => {
        const panel = new Panel()
        const card = new ActiveCard(akaCard(new MemorySettings(), nodeAkaPlatform), panel, 200)
        await card.boot()
        const home = panel.shown[panel.shown.length - 1]
        expect(home).toBe("BLANK CARD\nAWAITING ISSUER")
        for (const k of "12") card.keyPressed(k)
        expect(panel.shown[panel.shown.length - 1]).toBe("KEYPAD\n**_")
        card.keyPressed("*")
        expect(panel.shown[panel.shown.length - 1]).toBe("KEYPAD\n*_")
        card.keyPressed("#")
        expect(panel.shown[panel.shown.length - 1]).toBe(home)
        for (const k of "5**") card.keyPressed(k)
        expect(panel.shown[panel.shown.length - 1]).toBe(home)
        expect(panel.shown.join("\n")).not.toContain("12")
    })

    test("startEntry opens a line of another kind with its own prompt, length and masking", async () => {
        const panel = new Panel()
        const card = new ActiveCard(akaCard(new MemorySettings(), nodeAkaPlatform), panel, 200)
        await card.boot()
        const e = card.startEntry("REFERENCE", "REFERENCE NO", 3, false)
        expect(panel.shown[panel.shown.length - 1]).toBe("REFERENCE NO\n_")
        for (const k of "1234") card.keyPressed(k)
        expect(panel.shown[panel.shown.length - 1]).toBe("REFERENCE NO\n123")
        card.keyPressed("#")
        expect(e.state).toBe(LINE_ENTERED)
        expect(e.text).toBe("123")
    })
})
