// The canonical transaction history: exact bytes, a strict parser that refuses every departure
// with FormatError, and the rows the card's OLED shows. Written to run in Node and in the VM.

import { FormatError } from "../../src/format-error"
import { encodeHistory, historyDisplayLines, parseHistory, TransactionHistory } from "../../src/certificate/transaction-history"
import { fromUtf8 } from "../../src/bytes"
import { CryptoCase } from "./crypto-cases"

export const SAMPLE_HISTORY: TransactionHistory = {
    id: "T-20261205-0001",
    by: "Hana Online Bank",
    at: "2026-12-05T09:30:00Z",
    phone: "+821012345678",
    lines: ["Transfer 150,000 KRW", "from 110-234-567890 to 220-987-654321 (Kim Minsu)"],
}


function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

interface Refusal {
    f: () => void
    part: string
    what: string
}

/** `f` throws a FormatError whose message contains `part`. */
function refusedNow(f: () => void, part: string, what: string): void {
    let err: any = null
    try {
        f()
    } catch (e) {
        err = e
    }
    if (err === null) throw new Error(what + ": accepted")
    if (!(err instanceof FormatError)) throw new Error(what + ": not a FormatError: " + err)
    if (err.message.indexOf(part) < 0) throw new Error(what + ": message " + err.message + ", expected " + part)
}

const SAMPLE_LINES = [
    "ACTIVECARD HISTORY 1",
    "ID T-20261205-0001",
    "BY Hana Online Bank",
    "AT 2026-12-05T09:30:00Z",
    "FOR tel:+821012345678",
    "- Transfer 150,000 KRW",
    "- from 110-234-567890 to 220-987-654321 (Kim Minsu)",
]

export const SAMPLE_TEXT = withLine(-1, null)

/** The sample's text with line n (0-based) replaced, or dropped when `line` is null. */
function withLine(n: number, line: string | null): string {
    const lines = SAMPLE_LINES
    let s = ""
    for (let i = 0; i < lines.length; i++) {
        if (i === n) {
            if (line !== null) s = s + line + "\n"
        } else s = s + lines[i] + "\n"
    }
    return s
}

/** `c` n times. */
function times(c: string, n: number): string {
    let s = ""
    for (let i = 0; i < n; i++) s = s + c
    return s
}

function sample(): TransactionHistory {
    return { id: SAMPLE_HISTORY.id, by: SAMPLE_HISTORY.by, at: SAMPLE_HISTORY.at, phone: SAMPLE_HISTORY.phone, lines: [SAMPLE_HISTORY.lines[0], SAMPLE_HISTORY.lines[1]] }
}

export function transactionHistoryCases(): CryptoCase[] {
    return [
        {
            name: "transaction history: exact bytes, and parsing gives the fields back",
            run: async (env) => {
                const b = encodeHistory(SAMPLE_HISTORY)
                ok(b.toString("utf8") === SAMPLE_TEXT, "encoding: " + b.toString("utf8"))
                const h = parseHistory(fromUtf8(SAMPLE_TEXT))
                ok(h.id === SAMPLE_HISTORY.id && h.by === SAMPLE_HISTORY.by && h.at === SAMPLE_HISTORY.at && h.phone === SAMPLE_HISTORY.phone, "fields")
                ok(h.lines.length === 2 && h.lines[0] === SAMPLE_HISTORY.lines[0] && h.lines[1] === SAMPLE_HISTORY.lines[1], "text lines")
                const most = sample()
                most.id = times("I", 32)
                most.by = times("B", 32)
                most.phone = "+" + times("9", 15)
                most.lines = []
                for (let i = 0; i < 8; i++) most.lines.push(times("x", 64))
                await env.yieldSlice()
                const largest = encodeHistory(most)
                await env.yieldSlice()
                // The largest history the format allows parses in one VM slice.
                ok(parseHistory(largest).lines.length === 8 && largest.length === 678, "8 lines of 64: " + largest.length)
            },
        },
        {
            name: "transaction history: bytes off the format refused (CR, control, non-ASCII, size, empty and missing, extra or reordered lines)",
            run: async (env) => {
                const p = (s: string) => () => parseHistory(fromUtf8(s))
                const checks: Refusal[] = []
                const refused = (f: () => void, part: string, what: string) => {
                    checks.push({ f: f, part: part, what: what })
                }
                refused(() => parseHistory(Buffer.alloc(0)), "empty history", "no bytes")
                refused(p(SAMPLE_LINES.join("\r\n") + "\r\n"), "CR", "CRLF")
                refused(p(withLine(5, "- Transfer\t150,000 KRW")), "non-printable", "tab")
                refused(p(withLine(5, "- Transfer 150,000 \u20a9")), "non-printable", "non-ASCII")
                const nul = fromUtf8(SAMPLE_TEXT)
                nul[30] = 0
                refused(() => parseHistory(nul), "non-printable", "NUL")
                refused(p(SAMPLE_TEXT.slice(0, SAMPLE_TEXT.length - 1)), "end with LF", "no final LF")
                refused(p(SAMPLE_TEXT + "\n"), "empty line", "trailing empty line")
                refused(p(withLine(2, "")), "empty line", "empty line inside")
                refused(p("ACTIVECARD HISTORY 2\n" + withLine(0, null)), "not an ACTIVECARD HISTORY 1", "version")
                refused(p(withLine(2, null)), "line 3 must start with 'BY '", "BY missing")
                refused(p(withLine(4, "FOR +821012345678")), "line 5 must start with 'FOR tel:+'", "FOR without tel:")
                refused(p(withLine(4, "FOR tel:")), "line 5 must start with 'FOR tel:+'", "FOR with no number")
                refused(p(withLine(4, "FOR tel:+")), "phone number", "FOR with a + and no digits")
                refused(p(withLine(4, "for tel:+821012345678")), "line 5 must start with 'FOR tel:+'", "FOR in lower case")
                refused(p(withLine(5, "FOR tel:+821012345678")), "line 6 must start with '- '", "FOR after the text lines")
                refused(p(SAMPLE_LINES.slice(0, 4).join("\n") + "\n"), "misses fields", "no FOR and no text line")
                let nineNoFor = withLine(4, null)
                for (let i = 0; i < 7; i++) nineNoFor = nineNoFor + "- more\n"
                refused(p(nineNoFor), "more than 8", "no FOR and 9 text lines")
                refused(p(SAMPLE_LINES.slice(0, 5).join("\n") + "\n"), "misses fields", "no text line")
                const l = SAMPLE_LINES
                refused(p([l[0], l[2], l[1], l[3], l[4], l[5], ""].join("\n")), "line 2 must start with 'ID '", "BY before ID")
                refused(p(SAMPLE_TEXT + "ID T-2\n"), "line 8 must start with '- '", "extra field")
                let nine = SAMPLE_TEXT
                for (let i = 0; i < 7; i++) nine = nine + "- more\n"
                refused(p(nine), "more than 8", "9 text lines")
                const big = Buffer.alloc(1025)
                for (let i = 0; i < big.length; i++) big[i] = 0x41
                big[1024] = 0x0a
                refused(() => parseHistory(big), "longer than 1024", "1025 bytes")
                refused(p(withLine(1, "ID T 1")), "transaction ID", "space in ID")
                refused(p(withLine(1, "ID " + times("A", 33))), "transaction ID", "ID of 33")
                refused(p(withLine(2, "BY  Hana")), "starts or ends with a space", "name with a leading space")
                refused(p(withLine(3, "AT 2026-12-05 09:30:00Z")), "YYYY-MM-DDTHH:MM:SSZ", "time with a space")
                refused(p(withLine(3, "AT 2026-13-05T09:30:00Z")), "YYYY-MM-DDTHH:MM:SSZ", "month 13")
                refused(p(withLine(3, "AT 2026-12-05T09:30:00+09:00")), "YYYY-MM-DDTHH:MM:SSZ", "offset")
                refused(p(withLine(4, "FOR tel:821012345678")), "line 5 must start with 'FOR tel:+'", "no +")
                refused(p(withLine(4, "FOR tel:+82-10-1234")), "phone number", "dashes")
                refused(p(withLine(4, "FOR tel:+1234567890123456")), "phone number", "16 digits")
                refused(p(withLine(5, "- " + times("x", 65))), "text line", "65 characters")
                refused(p(withLine(5, "-Transfer")), "line 6 must start with '- '", "no space after the dash")
                for (let i = 0; i < checks.length; i++) {
                    await env.yieldSlice()
                    refusedNow(checks[i].f, checks[i].part, checks[i].what)
                }
            },
        },
        {
            name: "transaction history: FOR is optional (phone \"\"): exact bytes both ways, rows without it",
            run: () => {
                const h = sample()
                h.phone = ""
                const text = withLine(4, null)
                ok(encodeHistory(h).toString("utf8") === text, "encoding: " + encodeHistory(h).toString("utf8"))
                const back = parseHistory(fromUtf8(text))
                ok(back.phone === "" && back.id === h.id && back.at === h.at && back.lines.length === 2 && back.lines[1] === h.lines[1], "fields")
                const rows = historyDisplayLines(back)
                ok(rows.join("|") === "ID T-20261205-0001|BY Hana Online Bank|AT|2026-12-05T09:30:00Z|Transfer 150,000 KRW|from 110-234-567890|to 220-987-654321|(Kim Minsu)", "rows: " + rows.join("|"))
                // Eight text lines and no FOR; a text line that reads like FOR is text.
                let eight = text
                for (let i = 0; i < 6; i++) eight = eight + "- more\n"
                ok(parseHistory(fromUtf8(eight)).lines.length === 8, "8 text lines")
                const one = parseHistory(fromUtf8(withLine(5, null).split("FOR tel:+821012345678\n").join("")))
                ok(one.phone === "" && one.lines.length === 1, "one text line")
                const lookalike = parseHistory(fromUtf8(withLine(4, "- FOR tel:+821012345678")))
                ok(lookalike.phone === "" && lookalike.lines[0] === "FOR tel:+821012345678" && lookalike.lines.length === 3, "FOR as text")
            },
        },
        {
            name: "transaction history: encoding refuses fields out of the format",
            run: () => {
                const bad = (change: (h: TransactionHistory) => void, part: string, what: string) => {
                    const h = sample()
                    change(h)
                    refusedNow(() => encodeHistory(h), part, what)
                }
                bad((h) => (h.id = ""), "transaction ID", "empty ID")
                bad((h) => (h.by = "Bank\nFOR tel:+1"), "party name", "LF in the name")
                bad((h) => (h.at = "2026-12-05T09:30:00"), "YYYY", "no Z")
                bad((h) => (h.phone = "+"), "phone number", "no digits")
                bad((h) => (h.lines = []), "1..8 text lines", "no lines")
                bad((h) => (h.lines = ["ok", "trailing "]), "starts or ends with a space", "trailing space")
            },
        },
        {
            name: "transaction history: the OLED's rows, at most 21 characters, broken at spaces",
            run: () => {
                const rows = historyDisplayLines(SAMPLE_HISTORY)
                const expected = ["ID T-20261205-0001", "BY Hana Online Bank", "AT", "2026-12-05T09:30:00Z", "FOR tel:+821012345678", "Transfer 150,000 KRW", "from 110-234-567890", "to 220-987-654321", "(Kim Minsu)"]
                ok(rows.join("|") === expected.join("|"), "rows: " + rows.join("|"))
                const h = sample()
                h.id = times("A", 32)
                h.lines = [times("y", 64)]
                const long = historyDisplayLines(h)
                ok(long[0] === "ID" && long[1] === times("A", 21) && long[2] === times("A", 11), "long ID: " + long.join("|"))
                ok(long[long.length - 4] === times("y", 21) && long[long.length - 1] === "y", "long word: " + long.join("|"))
                for (let i = 0; i < long.length; i++) ok(long[i].length >= 1 && long[i].length <= 21, "row " + i)
            },
        },
    ]
}
