// A SIM800/SIM7600-class cellular modem at the AT-command level (ITU-T V.250 command lines, the
// SMS commands of 3GPP TS 27.005 in text mode), over a byte stream: what the card's UART bridge
// sees on its pins. Messages arrive from the simulator's radio network (sim/sms/smsc.ts) into
// SIM storage of a few slots; the DTE is told with +CMTI when AT+CNMI asks for it.
//
// Commands: AT, ATE0/ATE1, AT+IFC (V.250 flow control: 0,0 none or 2,2 RTS/CTS), AT+CMGF (0 PDU,
// 1 text; only text mode reads and lists), AT+CNMI (mt 0 or 1), AT+CMGR, AT+CMGD (with delflag
// 0-4), AT+CMGL, AT+CMGW (prompt "> ", text ended by Ctrl-Z, cancelled by ESC), AT+CPMS?, AT+CREG?. Final results "OK", "ERROR" (an unknown command
// or bad syntax) and "+CMS ERROR: <err>" (TS 27.005 3.2.5): 302 operation not allowed, 303 not
// supported, 305 invalid text mode parameter, 321 invalid memory index (out of range or an empty
// slot), 322 memory full. A command line is at most 256 characters (longer ones answer ERROR);
// a line that does not start with "AT" is ignored, as a modem's command parser does.
// A delivery to full storage is refused; once a deletion makes room the modem tells the network
// (memory available), which delivers what it kept.

import type { SerialDevice } from "../drivers/sc16is750-emulator"
import type { Handset, RadioNetwork, ShortMessage } from "./radio-network"

const MAX_COMMAND_LINE = 256
const MAX_TEXT = 160
const CTRL_Z = 0x1a
const ESC = 0x1b
const CR = 0x0d
const BS = 0x08

type Status = "REC UNREAD" | "REC READ" | "STO UNSENT" | "STO SENT"

interface Stored {
    status: Status
    /** Originator of a received message, destination of a written one. */
    address: string
    text: string
    time: Date | null
}

/** "yy/MM/dd,hh:mm:ss+zz" (TS 23.040 9.2.3.11 as text mode shows it; zz in quarter hours, UTC here). */
export function serviceCentreTime(t: Date): string {
    const p = (n: number) => String(n).padStart(2, "0")
    return `${p(t.getUTCFullYear() % 100)}/${p(t.getUTCMonth() + 1)}/${p(t.getUTCDate())},${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}+00`
}

function printable(text: string): string {
    return text.replace(/[^\x20-\x7e\n]/g, "?")
}

export class ModemEmulator implements SerialDevice, Handset {
    echo = true
    textMode = false
    /** AT+IFC=2,2: the modem sends only while its CTS input (the bridge's RTS) is asserted. */
    rtsCts = false
    /** AT+CNMI <mt>: 1 sends +CMTI for each stored message. */
    indications = 0
    readonly slots: (Stored | null)[]
    /** Command lines answered ERROR or +CMS ERROR, and ignored lines, for the tests. */
    readonly errors: string[] = []
    private out: number[] = []
    private line: number[] = []
    private overlong = false
    /** AT+CMGW's destination while in the "> " prompt; the text typed so far. */
    private prompt: string | null = null
    private promptText: number[] = []
    private heldIndications: string[] = []
    private refusedForMemory = false
    private network: RadioNetwork | null = null

    constructor(
        readonly msisdn: string,
        /** SIM message slots, indexes 1..capacity. */
        readonly capacity = 10,
    ) {
        this.slots = new Array(capacity).fill(null)
    }

    attach(network: RadioNetwork): void {
        this.network = network
        network.attach(this.msisdn, this)
    }

    detach(): void {
        this.network?.detach(this.msisdn)
        this.network = null
    }

    /** Messages stored now. */
    used(): number {
        return this.slots.filter((s) => s !== null).length
    }

    deliver(sms: ShortMessage): boolean {
        const i = this.slots.indexOf(null)
        if (i < 0) {
            this.refusedForMemory = true
            return false
        }
        this.slots[i] = { status: "REC UNREAD", address: sms.from, text: printable(sms.text), time: sms.time }
        if (this.indications === 1) this.indicate(`+CMTI: "SM",${i + 1}`)
        return true
    }

    usesRtsCts(): boolean {
        return this.rtsCts
    }

    takeOutput(max: number): Buffer {
        return Buffer.from(this.out.splice(0, max))
    }

    /** Everything the modem has sent and nobody took yet, as text (tests without a line). */
    takeText(): string {
        return this.takeOutput(this.out.length).toString("latin1")
    }

    input(data: Buffer): void {
        for (const b of data) {
            if (this.prompt !== null) this.promptByte(b)
            else this.commandByte(b)
        }
    }

    private send(text: string): void {
        for (const c of Buffer.from(text, "latin1")) this.out.push(c)
    }

    private indicate(line: string): void {
        if (this.prompt !== null) this.heldIndications.push(line)
        else this.send(`\r\n${line}\r\n`)
    }

    private commandByte(b: number): void {
        if (this.echo) this.out.push(b)
        if (b === CR) {
            const overlong = this.overlong
            const text = Buffer.from(this.line).toString("latin1")
            this.line = []
            this.overlong = false
            if (!/^at/i.test(text)) {
                if (text.length > 0) this.errors.push(text.slice(0, 40))
                return
            }
            if (overlong) return this.final("ERROR", text.slice(0, 40) + "...")
            this.execute(text.slice(2))
        } else if (b === BS) {
            this.line.pop()
        } else if (b >= 0x20) {
            if (this.line.length < MAX_COMMAND_LINE) this.line.push(b)
            else this.overlong = true
        }
    }

    private promptByte(b: number): void {
        if (b === CTRL_Z || b === ESC) {
            const to = this.prompt as string
            const text = Buffer.from(this.promptText).toString("latin1")
            const tooLong = this.overlong
            this.prompt = null
            this.promptText = []
            this.overlong = false
            if (b === ESC) this.final("OK")
            else if (tooLong) this.final("+CMS ERROR: 305", "AT+CMGW text over 160 characters")
            else {
                const i = this.slots.indexOf(null)
                if (i < 0) this.final("+CMS ERROR: 322", "AT+CMGW into full storage")
                else {
                    this.slots[i] = { status: "STO UNSENT", address: to, text: printable(text.replace(/\r/g, "\n")), time: null }
                    this.send(`\r\n+CMGW: ${i + 1}\r\n`)
                    this.final("OK")
                }
            }
            const held = this.heldIndications
            this.heldIndications = []
            for (const l of held) this.indicate(l)
            return
        }
        if (this.echo) this.out.push(b)
        if (this.promptText.length < MAX_TEXT) this.promptText.push(b)
        else this.overlong = true
    }

    private final(result: string, why?: string): void {
        if (result !== "OK") this.errors.push(why ?? result)
        this.send(`\r\n${result}\r\n`)
    }

    private info(line: string): void {
        this.send(`\r\n${line}\r\n`)
    }

    /** One command after the "AT" prefix (one per line; no ";" chains). */
    private execute(cmd: string): void {
        const upper = cmd.toUpperCase()
        let m: RegExpExecArray | null
        if (upper === "") return this.final("OK")
        if ((m = /^E([01]?)$/.exec(upper))) {
            this.echo = m[1] === "1"
            return this.final("OK")
        }
        if ((m = /^\+IFC=([02]),([02])$/.exec(upper))) {
            if (m[1] !== m[2]) return this.final("ERROR", "AT" + cmd)
            this.rtsCts = m[1] === "2"
            return this.final("OK")
        }
        if (upper === "+CMGF?") {
            this.info(`+CMGF: ${this.textMode ? 1 : 0}`)
            return this.final("OK")
        }
        if (upper === "+CMGF=?") {
            this.info("+CMGF: (0,1)")
            return this.final("OK")
        }
        if ((m = /^\+CMGF=([0-9]+)$/.exec(upper))) {
            if (m[1] !== "0" && m[1] !== "1") return this.final("+CMS ERROR: 303", "AT" + cmd)
            this.textMode = m[1] === "1"
            return this.final("OK")
        }
        if ((m = /^\+CNMI=([0-9]*)(?:,([0-9]*))?(?:,([0-9]*))?(?:,([0-9]*))?(?:,([0-9]*))?$/.exec(upper))) {
            const mode = Number(m[1] || "0")
            const mt = Number(m[2] || "0")
            const rest = [m[3], m[4], m[5]].map((v) => Number(v || "0"))
            if (mode > 3 || mt > 3 || rest[0] > 3 || rest[1] > 2 || rest[2] > 1) return this.final("+CMS ERROR: 303", "AT" + cmd)
            // mt 2 and 3 route messages to the DTE as +CMT without storing them: not emulated.
            if (mt > 1) return this.final("+CMS ERROR: 303", "AT" + cmd)
            this.indications = mt
            return this.final("OK")
        }
        if ((m = /^\+CMGR=([0-9]{1,5})$/.exec(upper))) {
            if (!this.textMode) return this.final("+CMS ERROR: 303", "AT+CMGR in PDU mode")
            const s = this.slot(Number(m[1]))
            if (s === null) return this.final("+CMS ERROR: 321", "AT" + cmd)
            this.send(`\r\n${this.header("+CMGR: ", s)}\r\n${s.text.replace(/\n/g, "\r\n")}\r\n`)
            if (s.status === "REC UNREAD") s.status = "REC READ"
            return this.final("OK")
        }
        if ((m = /^\+CMGD=([0-9]{1,5})(?:,([0-9]))?$/.exec(upper))) {
            const index = Number(m[1])
            const flag = Number(m[2] ?? "0")
            if (flag > 4) return this.final("+CMS ERROR: 303", "AT" + cmd)
            if (flag === 0 && (index < 1 || index > this.capacity)) return this.final("+CMS ERROR: 321", "AT" + cmd)
            const doomed: Status[][] = [[], ["REC READ"], ["REC READ", "STO SENT"], ["REC READ", "STO SENT", "STO UNSENT"], ["REC READ", "STO SENT", "STO UNSENT", "REC UNREAD"]]
            const before = this.used()
            if (flag === 0) this.slots[index - 1] = null
            else this.slots.forEach((s, i) => {
                if (s !== null && doomed[flag].includes(s.status)) this.slots[i] = null
            })
            this.final("OK")
            if (this.used() < before && this.refusedForMemory) {
                this.refusedForMemory = false
                this.network?.memoryAvailable(this.msisdn)
            }
            return
        }
        if ((m = /^\+CMGL(?:="([A-Z ]+)")?$/.exec(upper))) {
            if (!this.textMode) return this.final("+CMS ERROR: 303", "AT+CMGL in PDU mode")
            const which = m[1] ?? "REC UNREAD"
            if (!["ALL", "REC UNREAD", "REC READ", "STO UNSENT", "STO SENT"].includes(which)) return this.final("+CMS ERROR: 305", "AT" + cmd)
            this.slots.forEach((s, i) => {
                if (s === null || (which !== "ALL" && s.status !== which)) return
                this.send(`\r\n${this.header(`+CMGL: ${i + 1},`, s)}\r\n${s.text.replace(/\n/g, "\r\n")}`)
                if (s.status === "REC UNREAD") s.status = "REC READ"
            })
            if (this.slots.some((s) => s !== null)) this.send("\r\n")
            return this.final("OK")
        }
        if ((m = /^\+CMGW(?:="(\+?[0-9]{1,20})"(?:,[0-9]{1,3})?)?$/.exec(upper))) {
            if (!this.textMode) return this.final("+CMS ERROR: 303", "AT+CMGW in PDU mode")
            this.prompt = m[1] ?? ""
            this.promptText = []
            this.overlong = false
            this.send("\r\n> ")
            return
        }
        if (upper === "+CPMS?") {
            const u = this.used()
            this.info(`+CPMS: "SM",${u},${this.capacity},"SM",${u},${this.capacity},"SM",${u},${this.capacity}`)
            return this.final("OK")
        }
        if (upper === "+CREG?") {
            this.info(`+CREG: 0,${this.network !== null ? 1 : 0}`)
            return this.final("OK")
        }
        this.final("ERROR", "AT" + cmd.slice(0, 40))
    }

    private slot(index: number): Stored | null {
        if (index < 1 || index > this.capacity) return null
        return this.slots[index - 1]
    }

    /** <stat>,<oa/da>,[<alpha>],[<scts>] as +CMGR and +CMGL show them (TS 27.005 3.4.2 and 3.4.3, AT+CSDH=0). */
    private header(prefix: string, s: Stored): string {
        const tail = s.time !== null ? `,,"${serviceCentreTime(s.time)}"` : ""
        return `${prefix}"${s.status}","${s.address}"${tail}`
    }
}
