// The texts a display showed, in order: what the simulator's sales and the rig wait on.

import { describe, expect, test } from "vitest"
import { DisplayHistory, type ScreenView } from "../../sim/simulator/display-history"

function screen(): ScreenView & { show: (t: string) => void } {
    const s = {
        text: "",
        onChange: (_t: string) => {},
        show: (t: string) => {
            s.text = t
            s.onChange(t)
        },
    }
    return s
}

describe("DisplayHistory", () => {
    test("keeps every text in order with its time, and tells listeners after recording it", () => {
        const s = screen()
        const h = new DisplayHistory(s)
        const heard: string[] = []
        h.listen((t) => heard.push(t + "/" + h.shown.length))
        expect(h.last).toBeNull()
        s.show("AMOUNT")
        s.show("TAP CARD")
        expect(h.shown).toEqual(["AMOUNT", "TAP CARD"])
        expect(h.last).toBe("TAP CARD")
        expect(h.text).toBe("TAP CARD")
        expect(heard).toEqual(["AMOUNT/1", "TAP CARD/2"])
        expect(h.shownAt(1)).toBeGreaterThanOrEqual(h.shownAt(0))
        expect(h.find(/^AMOUNT/, 1)).toBeNull()
        expect(h.find(/^TAP/, 0)).toBe(1)
    })

    test("waitFor resolves with a text shown later, even one replaced at once; fails with its message after the timeout", async () => {
        const s = screen()
        const h = new DisplayHistory(s)
        s.show("AMOUNT\n0")
        setTimeout(() => {
            s.show("APPROVED 123456")
            s.show("AMOUNT\n0")
        }, 30)
        await expect(h.waitFor(/^APPROVED/, 2000, 1, "no approval")).resolves.toBe(1)
        await expect(h.waitFor(/^DECLINED/, 50, 0, "no decline", () => h.describe())).rejects.toThrow("no decline\nAMOUNT | 0 // APPROVED 123456 // AMOUNT | 0")
    })
})
