// The modem emulator's AT command parser, byte by byte as a UART delivers them: echo, text mode,
// +CMTI, +CMGR, +CMGD, +CMGL, +CPMS, +CMGW and its prompt, the TS 27.005 error codes, and
// garbage, control bytes and overlong lines.

import { describe, expect, test } from "vitest"
import { ModemEmulator, serviceCentreTime } from "../../sim/sms/modem-emulator"

const T = new Date(Date.UTC(2026, 11, 5, 21, 41, 56))

/** Types a line into the modem, in small pieces, and answers what it sent back. */
function at(modem: ModemEmulator, line: string, piece = 3): string {
    const bytes = Buffer.from(line + "\r", "latin1")
    for (let i = 0; i < bytes.length; i += piece) modem.input(bytes.subarray(i, i + piece))
    return modem.takeText()
}

function ready(capacity = 10): ModemEmulator {
    const m = new ModemEmulator("+821012345678", capacity)
    at(m, "ATE0")
    at(m, "AT+CMGF=1")
    at(m, "AT+CNMI=2,1,0,0,0")
    return m
}

describe("modem emulator: AT commands (V.250, 3GPP TS 27.005 text mode)", () => {
    test("echo is on after power-up and off after ATE0; AT answers OK; lower case works", () => {
        const m = new ModemEmulator("+821012345678")
        expect(at(m, "AT")).toBe("AT\r\r\nOK\r\n")
        expect(at(m, "ATE0")).toBe("ATE0\r\r\nOK\r\n")
        expect(at(m, "at")).toBe("\r\nOK\r\n")
        expect(at(m, "ATE1")).toBe("\r\nOK\r\n")
        expect(at(m, "AT")).toBe("AT\r\r\nOK\r\n")
    })

    test("AT+CMGF: text and PDU mode, query, range; unknown commands are ERROR", () => {
        const m = ready()
        expect(at(m, "AT+CMGF?")).toBe("\r\n+CMGF: 1\r\n\r\nOK\r\n")
        expect(at(m, "AT+CMGF=2")).toBe("\r\n+CMS ERROR: 303\r\n")
        expect(at(m, "AT+CMGF=x")).toBe("\r\nERROR\r\n")
        expect(at(m, "AT+FOO")).toBe("\r\nERROR\r\n")
        expect(at(m, "AT+CMGF=0")).toBe("\r\nOK\r\n")
        expect(at(m, "AT+CMGR=1")).toBe("\r\n+CMS ERROR: 303\r\n") // PDU mode reads are not emulated
    })

    test("AT+CNMI=2,1: +CMTI on arrival; AT+CMGR shows header, text, OK and marks it read; AT+CMGD deletes", () => {
        const m = ready()
        expect(m.deliver({ from: "+15550100", text: "ACSIGN 0123456789abcdef", time: T })).toBe(true)
        expect(m.takeText()).toBe('\r\n+CMTI: "SM",1\r\n')
        expect(at(m, "AT+CMGR=1")).toBe('\r\n+CMGR: "REC UNREAD","+15550100",,"26/12/05,21:41:56+00"\r\nACSIGN 0123456789abcdef\r\n\r\nOK\r\n')
        expect(at(m, "AT+CMGR=1")).toContain('+CMGR: "REC READ"')
        expect(at(m, "AT+CMGD=1")).toBe("\r\nOK\r\n")
        expect(at(m, "AT+CMGR=1")).toBe("\r\n+CMS ERROR: 321\r\n")
        expect(at(m, "AT+CMGR=11")).toBe("\r\n+CMS ERROR: 321\r\n")
        expect(at(m, "AT+CMGD=0")).toBe("\r\n+CMS ERROR: 321\r\n")
        expect(at(m, "AT+CMGD=1,5")).toBe("\r\n+CMS ERROR: 303\r\n")
        expect(at(m, "AT+CMGR=")).toBe("\r\nERROR\r\n")
    })

    test("without AT+CNMI there is no +CMTI; mt 2 (direct +CMT) is not supported", () => {
        const m = new ModemEmulator("+821012345678")
        at(m, "ATE0")
        m.deliver({ from: "+15550100", text: "x", time: T })
        expect(m.takeText()).toBe("")
        expect(at(m, "AT+CNMI=2,2,0,0,0")).toBe("\r\n+CMS ERROR: 303\r\n")
        expect(at(m, "AT+CNMI=9")).toBe("\r\n+CMS ERROR: 303\r\n")
    })

    test("AT+CMGL, AT+CPMS? and AT+CMGD delete flags", () => {
        const m = ready()
        m.deliver({ from: "+1", text: "a", time: T })
        m.deliver({ from: "+2", text: "b", time: T })
        m.takeText()
        at(m, "AT+CMGR=1")
        expect(at(m, 'AT+CMGL="REC UNREAD"')).toBe('\r\n+CMGL: 2,"REC UNREAD","+2",,"26/12/05,21:41:56+00"\r\nb\r\n\r\nOK\r\n')
        expect(at(m, 'AT+CMGL="ALL"')).toBe('\r\n+CMGL: 1,"REC READ","+1",,"26/12/05,21:41:56+00"\r\na\r\n+CMGL: 2,"REC READ","+2",,"26/12/05,21:41:56+00"\r\nb\r\n\r\nOK\r\n')
        expect(at(m, 'AT+CMGL="BOGUS"')).toBe("\r\n+CMS ERROR: 305\r\n")
        expect(at(m, "AT+CPMS?")).toBe('\r\n+CPMS: "SM",2,10,"SM",2,10,"SM",2,10\r\n\r\nOK\r\n')
        expect(at(m, "AT+CMGD=1,4")).toBe("\r\nOK\r\n")
        expect(m.used()).toBe(0)
    })

    test("full storage: a delivery is refused, AT+CMGW answers +CMS ERROR: 322; the prompt stores text and ESC cancels", () => {
        const m = ready(2)
        expect(at(m, 'AT+CMGW="+15550100"')).toBe("\r\n> ")
        m.input(Buffer.from("hello\x1a"))
        expect(m.takeText()).toBe("\r\n+CMGW: 1\r\n\r\nOK\r\n")
        expect(at(m, "AT+CMGW")).toBe("\r\n> ")
        m.input(Buffer.from("never\x1b"))
        expect(m.takeText()).toBe("\r\nOK\r\n")
        // An arrival during the prompt is announced after it.
        at(m, 'AT+CMGW="+1"')
        expect(m.deliver({ from: "+15550100", text: "in", time: T })).toBe(true)
        expect(m.takeText()).toBe("")
        m.input(Buffer.from("x\x1a"))
        expect(m.takeText()).toBe('\r\n+CMS ERROR: 322\r\n\r\n+CMTI: "SM",2\r\n')
        expect(m.deliver({ from: "+15550100", text: "no room", time: T })).toBe(false)
        expect(at(m, "AT+CPMS?")).toContain('"SM",2,2')
    })

    test("garbage: lines without AT are ignored, control bytes dropped, backspace edits, overlong lines are ERROR", () => {
        const m = ready()
        expect(at(m, "hello modem")).toBe("")
        expect(at(m, "\x00\x01\xff\xfe")).toBe("")
        expect(at(m, "AT+CMGF?\x07")).toBe("\r\n+CMGF: 1\r\n\r\nOK\r\n")
        expect(at(m, "AT+CMGX\bF?")).toBe("\r\n+CMGF: 1\r\n\r\nOK\r\n")
        expect(at(m, "AT" + "A".repeat(300))).toBe("\r\nERROR\r\n")
        expect(at(m, "AT", 1)).toBe("\r\nOK\r\n") // the parser recovered
        expect(at(m, "AT\xe9")).toBe("\r\nERROR\r\n")
        // A flood of random bytes never breaks it.
        let seed = 7
        for (let i = 0; i < 5000; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff
            m.input(Buffer.from([seed & 0xff]))
        }
        m.input(Buffer.from("\x1b\r"))
        m.takeText()
        expect(at(m, "AT")).toMatch(/OK\r\n$/)
    })

    test("time stamps are yy/MM/dd,hh:mm:ss+zz", () => {
        expect(serviceCentreTime(new Date(Date.UTC(2009, 0, 2, 3, 4, 5)))).toBe("09/01/02,03:04:05+00")
    })
})
