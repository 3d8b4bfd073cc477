// The terminal's texts fitted to its 20-column LCD (src/terminal/display-text.ts).

import { describe, expect, test } from "vitest"
import { fitToColumns } from "../../src/terminal/display-text"

describe("fitting texts to the display", () => {
    test("short lines stay as they are", () => {
        expect(fitToColumns("APPROVED 000001\n12,500 KRW, 3 MONTHS", 20)).toBe("APPROVED 000001\n12,500 KRW, 3 MONTHS")
    })

    test("a long line breaks after ' - ' first", () => {
        expect(fitToColumns("CARD REMOVED - NOT APPROVED\n100 KRW", 20)).toBe("CARD REMOVED\nNOT APPROVED\n100 KRW")
        expect(fitToColumns("CARD DID NOT ANSWER - NOT APPROVED", 20)).toBe("CARD DID NOT ANSWER\nNOT APPROVED")
    })

    test("then at spaces; a word longer than the display is cut", () => {
        expect(fitToColumns("DECLINED 51 INSUFFICIENT FUNDS", 20)).toBe("DECLINED 51\nINSUFFICIENT FUNDS")
        expect(fitToColumns("ABCDEFGHIJKLMNOPQRSTUVWXYZ END", 10)).toBe("ABCDEFGHIJ\nEND")
        for (const line of fitToColumns("SERVER UNREACHABLE - NOT APPROVED\nCARD LOCKED - PIN TRIES EXCEEDED", 20).split("\n")) expect(line.length).toBeLessThanOrEqual(20)
    })
})
