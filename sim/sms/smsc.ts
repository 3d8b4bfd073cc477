// A mock SMSC: an SMPP 3.4 server on TCP for the service providers (ESMEs), and the simulator's
// radio network on the other side, where handsets (the modem emulator) attach with their MSISDN.
//
// SMPP side (the SMPP v3.4 specification): bind_transmitter / bind_transceiver / bind_receiver checked
// against the configured accounts (a wrong system_id or password is ESME_RBINDFAIL, 4.1.2),
// submit_sm answered with a message id (4.4.2), enquire_link, unbind. Only a transmitter or a
// transceiver may submit (else ESME_RINVBNDSTS); nothing but a bind before binding. The PDUs are
// the `smpp` package's codec; the framing is here, so that a broken length never stalls or
// kills the server: a command_length under 16 or over 4,096 is a generic_nack ESME_RINVCMDLEN
// and the connection closes (the byte stream has no frame boundary left to trust); an unknown
// command_id or a command this SMSC does not offer is a generic_nack ESME_RINVCMDID (3.3 and
// 5.1.3); a body that does not decode is its command's response with ESME_RINVCMDLEN; a bad
// destination ESME_RINVDSTADR; a text over 160 characters ESME_RINVMSGLEN; a binary data coding
// ESME_RINVDCS.
//
// Delivery: a message for an attached handset goes to it at once; one for a handset that is not
// attached or whose memory is full waits in a queue bounded per MSISDN and in all (ESME_RMSGQFUL when full)
// and goes when the handset attaches or reports memory available. No delivery receipts.

import { createServer, type Server, type Socket } from "node:net"
import smpp from "smpp"
import { msisdnKey, type Handset, type RadioNetwork, type ShortMessage } from "./radio-network"

export interface SmscAccount {
    systemId: string
    password: string
}

export interface SmscOptions {
    accounts: SmscAccount[]
    /** Messages kept per MSISDN while its handset is away or full (default 20). */
    queueLimit?: number
    /** Messages kept for all MSISDNs together (default 1,000). */
    totalLimit?: number
    /** Shown to ESMEs in bind responses. */
    systemId?: string
}

export const MAX_PDU = 4096
const HEADER = 16
const MAX_TEXT = 160
const DESTINATION = /^\+?[0-9]{1,20}$/

/** What an SMSC event log shows: a submit, a delivery, a queued message. */
export interface SmscEvent {
    kind: "delivered" | "queued" | "refused"
    to: string
    messageId: string
    reason?: string
}

interface Bound {
    systemId: string
    canSubmit: boolean
}

export class Smsc implements RadioNetwork {
    private readonly server: Server
    private readonly handsets = new Map<string, Handset>()
    private readonly waiting = new Map<string, ShortMessage[]>()
    private readonly sockets = new Set<Socket>()
    private nextId = 1
    private kept = 0
    readonly events: SmscEvent[] = []

    constructor(private readonly options: SmscOptions) {
        this.server = createServer((socket) => this.serve(socket))
    }

    /** Listens on host:port (0: any free port) and answers the port. */
    async listen(port = 0, host = "127.0.0.1"): Promise<number> {
        await new Promise<void>((resolve, reject) => {
            this.server.once("error", reject)
            this.server.listen(port, host, () => {
                this.server.off("error", reject)
                resolve()
            })
        })
        const a = this.server.address()
        return typeof a === "object" && a !== null ? a.port : port
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy()
        await new Promise<void>((resolve) => this.server.close(() => resolve()))
    }

    attach(msisdn: string, handset: Handset): void {
        const key = msisdnKey(msisdn)
        this.handsets.set(key, handset)
        this.flush(key)
    }

    detach(msisdn: string): void {
        this.handsets.delete(msisdnKey(msisdn))
    }

    memoryAvailable(msisdn: string): void {
        this.flush(msisdnKey(msisdn))
    }

    /** Messages waiting for an MSISDN. */
    waitingFor(msisdn: string): number {
        return this.waiting.get(msisdnKey(msisdn))?.length ?? 0
    }

    private flush(key: string): void {
        const queue = this.waiting.get(key)
        const handset = this.handsets.get(key)
        while (queue && handset && queue.length > 0 && handset.deliver(queue[0])) {
            queue.shift()
            this.kept--
        }
        if (queue && queue.length === 0) this.waiting.delete(key)
    }

    private serve(socket: Socket): void {
        this.sockets.add(socket)
        let buffered = Buffer.alloc(0)
        const state: { bound: Bound | null; ending: boolean } = { bound: null, ending: false }
        socket.on("close", () => this.sockets.delete(socket))
        socket.on("error", () => socket.destroy())
        socket.on("data", (chunk: Buffer) => {
            if (state.ending) return // after an unbind or a broken frame, nothing more is read
            buffered = Buffer.concat([buffered, chunk])
            while (buffered.length >= 4 && !state.ending) {
                const length = buffered.readUInt32BE(0)
                if (length < HEADER || length > MAX_PDU) {
                    const sequence = buffered.length >= HEADER ? buffered.readUInt32BE(12) : 0
                    socket.end(new smpp.PDU("generic_nack", { sequence_number: sequence, command_status: smpp.errors.ESME_RINVCMDLEN }).toBuffer())
                    state.ending = true
                    return
                }
                if (buffered.length < length) return
                const raw = Buffer.from(buffered.subarray(0, length))
                buffered = buffered.subarray(length)
                this.answer(socket, raw, state)
            }
        })
    }

    private answer(socket: Socket, raw: Buffer, state: { bound: Bound | null; ending: boolean }): void {
        const id = raw.readUInt32BE(4)
        const sequence = raw.readUInt32BE(12)
        // Responses (deliver_sm_resp, a peer's generic_nack): this SMSC sends nothing that waits for one.
        if ((id & 0x80000000) !== 0) return
        const known = smpp.commandsById[id]
        const reply = (command: string, status: number, fields: Record<string, unknown> = {}) =>
            socket.write(new smpp.PDU(command, { ...fields, sequence_number: sequence, command_status: status }).toBuffer())
        const offered = ["bind_transmitter", "bind_transceiver", "bind_receiver", "submit_sm", "enquire_link", "unbind"]
        if (!known || !offered.includes(known.command)) return void reply("generic_nack", smpp.errors.ESME_RINVCMDID)
        let pdu: smpp.PDU
        try {
            pdu = new smpp.PDU(raw)
        } catch {
            return void reply(known.command + "_resp", smpp.errors.ESME_RINVCMDLEN)
        }
        const command = pdu.command
        if (command === "enquire_link") return void reply("enquire_link_resp", 0)
        if (command === "unbind") {
            state.bound = null
            state.ending = true
            reply("unbind_resp", 0)
            socket.end()
            return
        }
        if (command.startsWith("bind_")) {
            if (state.bound !== null) return void reply(command + "_resp", smpp.errors.ESME_RALYBND)
            const account = this.options.accounts.find((a) => a.systemId === pdu.system_id && a.password === pdu.password)
            if (!account) return void reply(command + "_resp", smpp.errors.ESME_RBINDFAIL)
            state.bound = { systemId: account.systemId, canSubmit: command !== "bind_receiver" }
            return void reply(command + "_resp", 0, { system_id: this.options.systemId ?? "ACTIVECARD" })
        }
        // submit_sm
        if (state.bound === null || !state.bound.canSubmit) return void reply("submit_sm_resp", smpp.errors.ESME_RINVBNDSTS)
        const to = String(pdu.destination_addr ?? "")
        if (!DESTINATION.test(to)) return void this.refuse(reply, to, smpp.errors.ESME_RINVDSTADR, "bad destination")
        const body = pdu.short_message && (pdu.short_message.message as unknown)
        const payload = pdu.message_payload && (pdu.message_payload.message as unknown)
        const text = typeof body === "string" && body.length > 0 ? body : payload ?? body
        if (typeof text !== "string") return void this.refuse(reply, to, smpp.errors.ESME_RINVDCS, "not text")
        if (text.length > MAX_TEXT) return void this.refuse(reply, to, smpp.errors.ESME_RINVMSGLEN, "text over 160 characters")
        const source = String(pdu.source_addr ?? "")
        const from = pdu.source_addr_ton === 1 && /^[0-9]+$/.test(source) ? "+" + source : source
        const sms: ShortMessage = { from, text, time: new Date() }
        const key = msisdnKey(to)
        const handset = this.handsets.get(key)
        const messageId = (this.nextId++).toString(16).toUpperCase().padStart(8, "0")
        if (handset && !this.waiting.has(key) && handset.deliver(sms)) {
            this.events.push({ kind: "delivered", to: key, messageId })
        } else {
            const queue = this.waiting.get(key) ?? []
            if (queue.length >= (this.options.queueLimit ?? 20) || this.kept >= (this.options.totalLimit ?? 1000)) {
                return void this.refuse(reply, to, smpp.errors.ESME_RMSGQFUL, "queue full")
            }
            queue.push(sms)
            this.kept++
            this.waiting.set(key, queue)
            this.events.push({ kind: "queued", to: key, messageId })
        }
        reply("submit_sm_resp", 0, { message_id: messageId })
    }

    private refuse(reply: (command: string, status: number) => void, to: string, status: number, reason: string): void {
        this.events.push({ kind: "refused", to, messageId: "", reason })
        reply("submit_sm_resp", status)
    }
}
