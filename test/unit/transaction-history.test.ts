// The canonical transaction history in Node (the same cases run in the VM:
// test/vm/transaction-history.test.ts), plus random round trips.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { transactionHistoryCases } from "../shared/transaction-history-cases"
import { encodeHistory, historyDisplayLines, parseHistory, type TransactionHistory } from "../../src/certificate/transaction-history"
import { FormatError } from "../../src/format-error"
import { nodeHmacSha256 } from "../../sim/node-platform"

describe("transaction history", () => {
    for (const c of transactionHistoryCases()) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))

    const printable = (n: number) => {
        let s = ""
        for (const b of randomBytes(n)) s += String.fromCharCode(0x20 + (b % 95))
        return s.replace(/^ | $/g, "x")
    }

    test("random valid histories round-trip; every shown row fits 21 characters", () => {
        for (let k = 0; k < 300; k++) {
            const h: TransactionHistory = {
                id: randomBytes(24).toString("base64url").replace(/_/g, "-").slice(0, 1 + (k % 32)),
                by: printable(1 + (k % 32)),
                at: new Date(Date.UTC(2000 + (k % 80), k % 12, 1 + (k % 28), k % 24, k % 60, (k * 7) % 60)).toISOString().replace(/\.\d{3}Z$/, "Z"),
                phone: k % 5 === 0 ? "" : "+" + String(k * 7919 + 1).padStart(1 + (k % 15), "8").slice(0, 15),
                lines: Array.from({ length: 1 + (k % 8) }, (_, i) => printable(1 + ((k * 13 + i) % 64))),
            }
            const b = encodeHistory(h)
            expect(parseHistory(b)).toEqual(h)
            expect(b.length).toBeLessThanOrEqual(1024)
            const rows = historyDisplayLines(h)
            for (const r of rows) expect(r.length).toBeLessThanOrEqual(21)
            // The rows hold every character of every field except the spaces they were broken at.
            const shown = rows.join("").replace(/ /g, "")
            expect(shown).toBe(["ID " + h.id, "BY " + h.by, "AT " + h.at, h.phone === "" ? "" : "FOR tel:" + h.phone, ...h.lines].join("").replace(/ /g, ""))
        }
    })

    test.each(["+1", ""])("any single byte changed or dropped in a canonical history (phone %j) is refused or parses to a different history", (phone) => {
        const b = encodeHistory({ id: "X1", by: "Bank", at: "2026-01-02T03:04:05Z", phone, lines: ["pay 1"] })
        for (let i = 0; i < b.length; i++) {
            for (const v of [0x00, 0x0d, 0x0a, 0x20, 0x41, 0x7f, 0xff]) {
                if (b[i] === v) continue
                const c = Buffer.from(b)
                c[i] = v
                try {
                    expect(encodeHistory(parseHistory(c)).equals(b)).toBe(false)
                } catch (e) {
                    expect(e).toBeInstanceOf(FormatError)
                }
            }
            const dropped = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)])
            try {
                expect(encodeHistory(parseHistory(dropped)).equals(b)).toBe(false)
            } catch (e) {
                expect(e).toBeInstanceOf(FormatError)
            }
        }
    })
})
