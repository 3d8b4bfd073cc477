// The card's cellular modem (SIM800/SIM7600 class) driven by AT commands over a serial line:
// V.250 command lines ending in CR, answers as lines ending in CR LF, final result OK, ERROR or
// +CMS ERROR: <err> (3GPP TS 27.005 3.2.5). SMS in text mode (AT+CMGF=1), stored in SIM memory
// and announced by +CMTI: "SM",<index> (AT+CNMI=2,1,0,0,0), read with AT+CMGR (the header
// +CMGR: <stat>,<oa>,[<alpha>],<scts>, then the text up to the final OK), deleted with AT+CMGD.
// A line longer than AT_MAX_LINE is dropped (a command whose answer had one fails), and a command
// gives up after its timeout or after MAX_ANSWER_BYTES without a final result, so garbage on the
// line never hangs the card. A text line reading "OK" would end a +CMGR answer early: the notices
// the card reads are single lines that never do. Portable: the serial port and the clock are injected.

import { UartPort } from "./uart-port"
import { ChipError } from "./chip-error"

/** Longest answer line kept: a 160-character text with room to spare. */
export const AT_MAX_LINE = 200
/** Bytes one command's answer may take: a +CMGR of a 160-character text is about 240. */
const MAX_ANSWER_BYTES = 1024
/** Lines and +CMTI indexes kept between reads; older ones give way (a flood is garbage anyway). */
const MAX_PENDING = 16
/** 64 FIFO bytes last 5.5 ms at 115200 bit/s. */
const POLL_MS = 2
const CR = 13
const LF = 10

/** The modem answered ERROR or +CMS ERROR: the command and the result line are in the message. */
export class AtCommandError extends ChipError {
    constructor(readonly result: string, command: string) {
        super("modem: " + command + " -> " + result)
        this.name = "AtCommandError"
    }
}

/** No final result in time (or only garbage): is the modem on, at 115200 bit/s? */
export class AtTimeoutError extends ChipError {
    constructor(message: string) {
        super(message)
        this.name = "AtTimeoutError"
    }
}

export interface SmsMessage {
    /** The originating address as the modem shows it, e.g. "+821012345678". */
    sender: string
    /** The service centre time stamp, "yy/MM/dd,hh:mm:ss+zz"; empty when absent. */
    time: string
    text: string
}

/** The comma-separated fields of an answer, quotes removed (commas inside quotes stay). */
export function atFields(s: string): string[] {
    const out: string[] = []
    let field = ""
    let quoted = false
    for (let i = 0; i < s.length; i++) {
        const c = s.charAt(i)
        if (c === '"') quoted = !quoted
        else if (c === "," && !quoted) {
            out.push(field)
            field = ""
        } else field += c
    }
    out.push(field)
    return out
}

export class AtModem {
    private readonly line: Buffer = Buffer.alloc(AT_MAX_LINE)
    private lineLength = 0
    private overlong = false
    private lines: string[] = []
    /** Indexes announced by +CMTI and not yet taken. */
    private arrived: number[] = []
    /** Lines dropped for being longer than AT_MAX_LINE. */
    dropped = 0

    constructor(
        private readonly port: UartPort,
        private readonly sleep: (ms: number) => Promise<void>,
        /** Wait for each command's final result. */
        private readonly timeoutMs: number,
    ) {}

    /**
     * Reads what has come and assembles lines: a +CMTI gives its index, another line is kept for
     * command(), an overlong one is dropped. Answers the number of bytes read.
     */
    private async pump(): Promise<number> {
        const got = await this.port.read()
        for (let i = 0; i < got.length; i++) {
            const b = got[i]
            if (b === CR || b === LF) {
                const n = this.lineLength
                this.lineLength = 0
                if (this.overlong) {
                    this.overlong = false
                    this.dropped++
                } else if (n > 0) {
                    const s = this.line.slice(0, n).toString()
                    if (s.indexOf("+CMTI:") === 0) {
                        const index = parseInt(s.slice(s.lastIndexOf(",") + 1))
                        if (index >= 1 && index <= 999) this.keep(this.arrived, index)
                    } else this.keep(this.lines, s)
                }
            } else if (b < 0x20) continue
            else if (this.lineLength < AT_MAX_LINE) this.line[this.lineLength++] = b < 0x7f ? b : 0x3f
            else this.overlong = true
        }
        return got.length
    }

    private keep(list: any[], item: any): void {
        if (list.length >= MAX_PENDING) list.shift()
        list.push(item)
    }

    /**
     * Sends one command line and collects its information lines up to OK. ERROR and +CMS ERROR
     * throw AtCommandError; no final result in time, AtTimeoutError. The echo is skipped.
     */
    async command(command: string): Promise<string[]> {
        this.lines = [] // lines nobody asked for are stale by now
        const droppedBefore = this.dropped
        await this.port.write(Buffer.from(command + "\r"))
        const info: string[] = []
        let bytes = 0
        for (let waited = 0; ; ) {
            while (this.lines.length > 0) {
                const l = this.lines.shift() as string
                if (l === "OK") {
                    if (this.dropped !== droppedBefore) throw new ChipError("modem: a line over " + AT_MAX_LINE + " bytes in the answer to " + command)
                    return info
                }
                if (l === "ERROR" || l.indexOf("+CMS ERROR:") === 0 || l.indexOf("+CME ERROR:") === 0) throw new AtCommandError(l, command)
                if (l !== command) this.keep(info, l)
            }
            if (waited > this.timeoutMs) throw new AtTimeoutError("modem: no answer to " + command + " within " + this.timeoutMs + " ms")
            const n = await this.pump()
            bytes += n
            if (bytes > MAX_ANSWER_BYTES) throw new AtTimeoutError("modem: " + bytes + " bytes without a final result to " + command)
            if (n === 0) {
                await this.sleep(POLL_MS)
                waited += POLL_MS
            }
        }
    }

    /** Wakes the modem (three tries: it may still be booting), then echo off, text mode, +CMTI on arrival. */
    async begin(): Promise<void> {
        for (let i = 0; ; i++) {
            try {
                await this.command("AT")
                break
            } catch (e) {
                if (i === 2 || !(e instanceof AtTimeoutError)) throw e
            }
        }
        await this.command("ATE0")
        // RTS/CTS both ways (V.250 +IFC): the bridge holds the modem back while its FIFO is full.
        await this.command("AT+IFC=2,2")
        await this.command("AT+CMGF=1")
        await this.command("AT+CNMI=2,1,0,0,0")
    }

    /** The storage index of a newly arrived message (from +CMTI), or -1 when none came. */
    async poll(): Promise<number> {
        await this.pump()
        this.lines = []
        const index = this.arrived.shift()
        return index === undefined ? -1 : index
    }

    /** Reads the message stored at index: its sender, time stamp and text (lines joined with LF). */
    async readMessage(index: number): Promise<SmsMessage> {
        const lines = await this.command("AT+CMGR=" + index)
        let at = -1
        for (let i = 0; i < lines.length && at < 0; i++) if (lines[i].indexOf("+CMGR:") === 0) at = i
        if (at < 0) throw new ChipError("modem: no +CMGR header in the answer for message " + index)
        const fields = atFields(lines[at].slice(6).trim())
        if (fields.length < 2) throw new ChipError("modem: +CMGR header without an address: " + lines[at])
        let text = ""
        for (let i = at + 1; i < lines.length; i++) text += (i > at + 1 ? "\n" : "") + lines[i]
        return { sender: fields[1], time: fields.length > 3 ? fields[3] : "", text: text }
    }

    async deleteMessage(index: number): Promise<void> {
        await this.command("AT+CMGD=" + index)
    }
}

/**
 * Polls `modem` until a message arrives (its index) or timeoutMs pass (-1). A function rather
 * than a method: the card polls from its own loop, and a method would be in its image unused.
 */
export async function waitMessage(modem: AtModem, sleep: (ms: number) => Promise<void>, timeoutMs: number): Promise<number> {
    for (let waited = 0; waited <= timeoutMs; waited += 10) {
        const index = await modem.poll()
        if (index >= 0) return index
        await sleep(10)
    }
    return -1
}
