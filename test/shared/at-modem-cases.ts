// The AT modem driver (src/drivers/at-modem.ts) against a scripted serial line that answers as a
// SIM800 does (3GPP TS 27.005 text mode), written to run in Node and inside the DeviceScript VM:
// the start-up sequence through boot noise and echo, +CMTI, +CMGR, +CMGD, error results,
// silence, garbage and overlong lines.

import { copyOf, fromUtf8 } from "../../src/bytes"
import { UartPort } from "../../src/drivers/uart-port"
import { ChipError } from "../../src/drivers/chip-error"
import { AtCommandError, AtModem, AtTimeoutError, atFields, AT_MAX_LINE, waitMessage } from "../../src/drivers/at-modem"
import { CryptoCase } from "./crypto-cases"

/** A serial line with one canned answer per command written, read back a few bytes at a time. */
class ScriptedUart implements UartPort {
    written: string[] = []
    private pending: Buffer = Buffer.alloc(0)
    reads = 0

    constructor(
        private readonly answers: string[],
        private readonly chunk: number,
    ) {}

    /** Bytes the modem sends on its own (an unsolicited result, noise). */
    push(s: string): void {
        const b = fromUtf8(s)
        const both = Buffer.alloc(this.pending.length + b.length)
        both.set(this.pending, 0)
        both.set(b, this.pending.length)
        this.pending = both
    }

    async write(data: Buffer): Promise<void> {
        this.written.push(data.toString())
        const a = this.answers.shift()
        if (a !== undefined) this.push(a)
    }

    async read(): Promise<Buffer> {
        this.reads++
        const n = Math.min(this.chunk, this.pending.length)
        const out = copyOf(this.pending, 0, n)
        this.pending = copyOf(this.pending, n)
        return out
    }
}

/** A line that never stops sending bytes without a line end. */
class FloodUart implements UartPort {
    sent = 0
    async write(data: Buffer): Promise<void> {}
    async read(): Promise<Buffer> {
        const b = Buffer.alloc(64)
        for (let i = 0; i < 64; i++) b[i] = 0x41 + (i % 26)
        this.sent += 64
        return b
    }
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

function fakeClock(): { sleep: (ms: number) => Promise<void>; slept: number[] } {
    const slept = [0]
    return {
        slept: slept,
        sleep: async (ms: number) => {
            slept[0] += ms
        },
    }
}

async function failure(f: () => Promise<any>): Promise<any> {
    try {
        await f()
    } catch (e) {
        return e
    }
    throw new Error("expected a failure")
}

const CMGR_ANSWER = '\r\n+CMGR: "REC UNREAD","+821012345678",,"26/12/05,21:41:56+00"\r\nACSIGN 0123456789abcdef\r\n\r\nOK\r\n'

export function atModemCases(): CryptoCase[] {
    return [
        {
            name: "AT modem: start-up through boot noise and echo: AT, ATE0, AT+IFC=2,2, AT+CMGF=1, AT+CNMI=2,1,0,0,0",
            run: async () => {
                const uart = new ScriptedUart(["\r\nRDY\r\n\r\n+CPIN: READY\r\nAT\r\r\nOK\r\n", "ATE0\r\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n"], 5)
                const modem = new AtModem(uart, fakeClock().sleep, 100)
                await modem.begin()
                ok(uart.written.join("|") === "AT\r|ATE0\r|AT+IFC=2,2\r|AT+CMGF=1\r|AT+CNMI=2,1,0,0,0\r", "sequence: " + uart.written.join("|"))
            },
        },
        {
            name: "AT modem: +CMTI announces index 3; AT+CMGR=3 gives sender, time stamp and text; AT+CMGD=3 deletes",
            run: async () => {
                const uart = new ScriptedUart([CMGR_ANSWER, "\r\nOK\r\n"], 7)
                const clock = fakeClock()
                const modem = new AtModem(uart, clock.sleep, 100)
                ok((await modem.poll()) === -1, "nothing yet")
                uart.push('\r\n+CMTI: "SM",3\r\n')
                const index = await waitMessage(modem, clock.sleep, 50)
                ok(index === 3, "index " + index)
                const m = await modem.readMessage(index)
                ok(m.sender === "+821012345678", "sender " + m.sender)
                ok(m.time === "26/12/05,21:41:56+00", "time " + m.time)
                ok(m.text === "ACSIGN 0123456789abcdef", "text " + m.text)
                await modem.deleteMessage(index)
                ok(uart.written.join("|") === "AT+CMGR=3\r|AT+CMGD=3\r", "commands: " + uart.written.join("|"))
            },
        },
        {
            name: "AT modem: a +CMTI in the middle of another answer is kept; a text of two lines reads with LF",
            run: async () => {
                const answer = '\r\n+CMGR: "REC READ","+15550100",,"26/01/02,03:04:05+36"\r\n\r\n+CMTI: "SM",4\r\nline one\r\nline two\r\n\r\nOK\r\n'
                const uart = new ScriptedUart([answer], 64)
                const modem = new AtModem(uart, fakeClock().sleep, 100)
                const m = await modem.readMessage(1)
                ok(m.text === "line one\nline two", "text " + m.text)
                ok((await modem.poll()) === 4, "index 4 kept")
                ok((await modem.poll()) === -1, "once")
            },
        },
        {
            name: "AT modem: +CMS ERROR: 321 and ERROR are AtCommandError with the result line",
            run: async () => {
                const uart = new ScriptedUart(["\r\n+CMS ERROR: 321\r\n", "\r\nERROR\r\n"], 64)
                const modem = new AtModem(uart, fakeClock().sleep, 100)
                const e = await failure(async () => await modem.readMessage(11))
                ok(e instanceof AtCommandError && e instanceof ChipError, "AtCommandError: " + e.message)
                ok((e as AtCommandError).result === "+CMS ERROR: 321", "result " + (e as AtCommandError).result)
                const e2 = await failure(async () => await modem.command("AT+BOGUS"))
                ok(e2 instanceof AtCommandError && (e2 as AtCommandError).result === "ERROR", "ERROR: " + e2.message)
            },
        },
        {
            name: "AT modem: silence is AtTimeoutError after the timeout; begin() tries AT three times",
            run: async () => {
                const uart = new ScriptedUart([], 64)
                const clock = fakeClock()
                const modem = new AtModem(uart, clock.sleep, 40)
                const e = await failure(async () => await modem.begin())
                ok(e instanceof AtTimeoutError, "timeout: " + e.message)
                ok(uart.written.length === 3, "three tries: " + uart.written.length)
                ok(clock.slept[0] >= 120 && clock.slept[0] <= 140, "waited " + clock.slept[0])
            },
        },
        {
            name: "AT modem: an endless stream of garbage ends the command within 1,024 bytes, not the timeout",
            run: async () => {
                const uart = new FloodUart()
                const clock = fakeClock()
                const modem = new AtModem(uart, clock.sleep, 100000)
                const e = await failure(async () => await modem.command("AT"))
                ok(e instanceof AtTimeoutError, "gave up: " + e.message)
                ok(uart.sent <= 1024 + 64, "bytes read " + uart.sent)
                ok(clock.slept[0] === 0, "no waiting")
            },
        },
        {
            name: "AT modem: a line over the cap fails its command; noise bytes are ignored; the next command works",
            run: async () => {
                let long = ""
                for (let i = 0; i < AT_MAX_LINE + 20; i++) long += "x"
                const noise = "\x00\x07\xff\xfe\r\n"
                const uart = new ScriptedUart(["\r\n" + long + "\r\nOK\r\n", noise + "\r\n+CPMS: \"SM\",1,10\r\n\r\nOK\r\n"], 9)
                const modem = new AtModem(uart, fakeClock().sleep, 100)
                const e = await failure(async () => await modem.command("AT+CMGL=\"ALL\""))
                ok(e instanceof ChipError && !(e instanceof AtCommandError) && modem.dropped === 1, "overlong: " + e.message)
                const info = await modem.command("AT+CPMS?")
                ok(info.length === 2 && info[1] === '+CPMS: "SM",1,10', "after noise: " + info.join("|"))
                ok(info[0] === "????", "bytes over 0x7E read as ?: " + info[0])
            },
        },
        {
            name: "AT modem: a +CMTI with a garbled index is ignored; atFields keeps commas inside quotes",
            run: async () => {
                const uart = new ScriptedUart([], 64)
                const modem = new AtModem(uart, fakeClock().sleep, 100)
                uart.push('\r\n+CMTI: "SM",zz\r\n+CMTI: "SM",0\r\n+CMTI: "SM",7\r\n')
                ok((await modem.poll()) === 7, "only the good index")
                const f = atFields('"REC UNREAD","+4917",,"26/12/05,21:41:56+04"')
                ok(f.length === 4 && f[0] === "REC UNREAD" && f[2] === "" && f[3] === "26/12/05,21:41:56+04", "fields " + f.join("|"))
            },
        },
    ]
}
