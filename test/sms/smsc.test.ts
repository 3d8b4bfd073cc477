// The mock SMSC over real SMPP on TCP: a service provider binds with the `smpp` client and
// submits, the message reaches the modem attached with that MSISDN (at once, or stored and
// forwarded when it attaches or frees memory); a wrong password is ESME_RBINDFAIL; raw broken
// PDUs are answered without bringing the server down; the sender's errors name the cause.

import { afterEach, describe, expect, test } from "vitest"
import { connect, type Socket } from "node:net"
import smpp from "smpp"
import { Smsc } from "../../sim/sms/smsc"
import { ModemEmulator } from "../../sim/sms/modem-emulator"
import { SmppSender, SmsSendError } from "../../sim/sms/smpp-sender"

const ACCOUNT = { systemId: "provider", password: "secret12" }
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.()
})

async function smsc(queueLimit?: number, totalLimit?: number) {
    const s = new Smsc({ accounts: [ACCOUNT], queueLimit, totalLimit })
    const port = await s.listen(0)
    cleanups.push(() => s.close())
    return { smsc: s, port }
}

function sender(port: number, password = ACCOUNT.password) {
    const s = new SmppSender({ host: "127.0.0.1", port, systemId: ACCOUNT.systemId, password, sourceAddr: "+15550100", timeoutMs: 2000 })
    cleanups.push(() => s.close())
    return s
}

/** A session of the `smpp` package's own client, and a promise per request. */
async function client(port: number) {
    const session = smpp.connect({ host: "127.0.0.1", port })
    session.on("error", () => {})
    await new Promise((resolve) => session.once("connect", resolve))
    cleanups.push(() => session.destroy())
    const call = (command: string, fields: Record<string, unknown>) =>
        new Promise<smpp.PDU>((resolve) => session[command](fields, (pdu: smpp.PDU) => resolve(pdu)))
    return { session, call }
}

/** A raw socket: bytes in, the bytes that come back within a moment, and whether the server closed it. */
async function raw(port: number, bytes: Buffer, waitMs = 150) {
    const socket: Socket = connect(port, "127.0.0.1")
    await new Promise((resolve) => socket.once("connect", resolve))
    const got: Buffer[] = []
    let closed = false
    socket.on("data", (d) => got.push(d))
    socket.on("close", () => (closed = true))
    socket.on("error", () => {})
    socket.write(bytes)
    await new Promise((r) => setTimeout(r, waitMs))
    socket.destroy()
    return { answer: Buffer.concat(got), closed }
}

function header(length: number, id: number, status: number, sequence: number): Buffer {
    const b = Buffer.alloc(16)
    b.writeUInt32BE(length, 0)
    b.writeUInt32BE(id >>> 0, 4)
    b.writeUInt32BE(status, 8)
    b.writeUInt32BE(sequence, 12)
    return b
}

describe("mock SMSC over SMPP 3.4", () => {
    test("bind_transmitter and submit_sm from the smpp client: a message id, and the text in the attached modem", async () => {
        const w = await smsc()
        const modem = new ModemEmulator("+821012345678")
        modem.attach(w.smsc)
        const { call } = await client(w.port)
        const bind = await call("bind_transmitter", { system_id: ACCOUNT.systemId, password: ACCOUNT.password })
        expect(bind.command).toBe("bind_transmitter_resp")
        expect(bind.command_status).toBe(0)
        const resp = await call("submit_sm", { source_addr_ton: 1, source_addr: "15550100", destination_addr: "821012345678", short_message: "ACSIGN 0123456789abcdef" })
        expect(resp.command).toBe("submit_sm_resp")
        expect(resp.command_status).toBe(0)
        expect(resp.message_id).toMatch(/^[0-9A-F]{8}$/)
        expect(modem.used()).toBe(1)
        expect(modem.slots[0]).toMatchObject({ status: "REC UNREAD", address: "+15550100", text: "ACSIGN 0123456789abcdef" })
    })

    test("a wrong password or system_id is ESME_RBINDFAIL, and a submit before binding ESME_RINVBNDSTS", async () => {
        const w = await smsc()
        const { call } = await client(w.port)
        expect((await call("bind_transmitter", { system_id: ACCOUNT.systemId, password: "wrong" })).command_status).toBe(smpp.errors.ESME_RBINDFAIL)
        expect((await call("bind_transmitter", { system_id: "nobody", password: ACCOUNT.password })).command_status).toBe(smpp.errors.ESME_RBINDFAIL)
        expect((await call("submit_sm", { destination_addr: "821012345678", short_message: "x" })).command_status).toBe(smpp.errors.ESME_RINVBNDSTS)
        expect((await call("enquire_link", {})).command_status).toBe(0)
    })

    test("a bad destination, an overlong text and a second bind are refused with their status", async () => {
        const w = await smsc()
        const { call } = await client(w.port)
        await call("bind_transceiver", { system_id: ACCOUNT.systemId, password: ACCOUNT.password })
        expect((await call("submit_sm", { destination_addr: "not-a-number", short_message: "x" })).command_status).toBe(smpp.errors.ESME_RINVDSTADR)
        expect((await call("submit_sm", { destination_addr: "821012345678", message_payload: "y".repeat(161) })).command_status).toBe(smpp.errors.ESME_RINVMSGLEN)
        expect((await call("bind_transmitter", { system_id: ACCOUNT.systemId, password: ACCOUNT.password })).command_status).toBe(smpp.errors.ESME_RALYBND)
        expect((await call("query_sm", { message_id: "00000001" })).command).toBe("generic_nack")
    })

    test("store and forward: kept while the modem is away, delivered when it attaches; bounded queue", async () => {
        const w = await smsc(2)
        const s = sender(w.port)
        await s.send("+821099990000", "first")
        await s.send("821099990000", "second")
        await expect(s.send("+821099990000", "third")).rejects.toThrow(/ESME_RMSGQFUL/)
        expect(w.smsc.waitingFor("+821099990000")).toBe(2)
        const modem = new ModemEmulator("+821099990000")
        modem.attach(w.smsc)
        expect(modem.slots.slice(0, 2).map((m) => m?.text)).toEqual(["first", "second"])
        expect(w.smsc.waitingFor("821099990000")).toBe(0)
    })

    test("the queue is bounded in all too: many absent numbers cannot fill the SMSC's memory", async () => {
        const w = await smsc(20, 3)
        const s = sender(w.port)
        for (let i = 0; i < 3; i++) await s.send("+8210000000" + i, "x")
        await expect(s.send("+821000000009", "x")).rejects.toThrow(/ESME_RMSGQFUL/)
        new ModemEmulator("+82100000000").attach(w.smsc)
        await s.send("+821000000009", "room again")
        expect(w.smsc.waitingFor("+821000000009")).toBe(1)
    })

    test("a modem with full memory refuses; the SMSC keeps the rest and delivers after a deletion (memory available)", async () => {
        const w = await smsc()
        const modem = new ModemEmulator("+821011112222", 2)
        modem.attach(w.smsc)
        const s = sender(w.port)
        for (const t of ["one", "two", "three"]) await s.send("+821011112222", t)
        expect(modem.used()).toBe(2)
        expect(w.smsc.waitingFor("+821011112222")).toBe(1)
        modem.input(Buffer.from("AT+CMGD=1\r"))
        expect(modem.slots[0]?.text).toBe("three")
        expect(w.smsc.waitingFor("+821011112222")).toBe(0)
    })

    test("malformed PDUs on a raw socket: generic_nack or the command's error, and the server keeps serving", async () => {
        const w = await smsc()
        // An unknown command id: generic_nack ESME_RINVCMDID with the same sequence number; the session stays open.
        const unknown = await raw(w.port, header(16, 0x00000777, 0, 42))
        expect(unknown.answer.length).toBe(16)
        expect(unknown.answer.readUInt32BE(4)).toBe(0x80000000)
        expect(unknown.answer.readUInt32BE(8)).toBe(smpp.errors.ESME_RINVCMDID)
        expect(unknown.answer.readUInt32BE(12)).toBe(42)
        expect(unknown.closed).toBe(false)
        // A command_length under the header size, zero, or over the cap: generic_nack ESME_RINVCMDLEN and the connection closes.
        for (const length of [8, 0, 1_000_000]) {
            // (an enquire_link right behind it is not read: the stream has lost its frame boundaries)
            const r = await raw(w.port, Buffer.concat([header(length, 0x00000004, 0, 7), header(16, 0x00000015, 0, 8)]))
            expect(r.answer.length).toBe(16)
            expect(r.answer.readUInt32BE(4)).toBe(0x80000000)
            expect(r.answer.readUInt32BE(8)).toBe(smpp.errors.ESME_RINVCMDLEN)
            expect(r.closed).toBe(true)
        }
        // A bind whose body stops short: bind_transmitter_resp with an error status, never a bind.
        const short = Buffer.concat([header(18, 0x00000002, 0, 9), Buffer.from("pr")])
        const r = await raw(w.port, short)
        expect(r.answer.readUInt32BE(4)).toBe(0x80000002)
        expect(r.answer.readUInt32BE(8)).not.toBe(0)
        // Random garbage, then the server still binds and delivers.
        for (let i = 0; i < 20; i++) await raw(w.port, Buffer.from(Array.from({ length: 40 }, (_, j) => (i * 37 + j * 11) & 0xff)), 5)
        const modem = new ModemEmulator("+821055556666")
        modem.attach(w.smsc)
        await sender(w.port).send("+821055556666", "still here")
        expect(modem.slots[0]?.text).toBe("still here")
    })

    test("the sender: SMSC down is a clear error; when the SMSC drops the session, the next send binds again", async () => {
        const w = await smsc()
        const down = new SmppSender({ host: "127.0.0.1", port: 1, systemId: "p", password: "x", sourceAddr: "1", timeoutMs: 1000 })
        await expect(down.send("+821000000000", "x")).rejects.toThrow(SmsSendError)
        await expect(down.send("+821000000000", "x")).rejects.toThrow(/SMSC at 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/)
        await expect(sender(w.port, "wrong").send("+821000000000", "x")).rejects.toThrow(/refused the bind: ESME_RBINDFAIL/)
        const modem = new ModemEmulator("+821077778888")
        modem.attach(w.smsc)
        const s = sender(w.port)
        await s.send("+821077778888", "before")
        // The SMSC goes down: a clear error, not a hang.
        await w.smsc.close()
        await expect(s.send("+821077778888", "while down")).rejects.toThrow(/is unreachable \(ECONNREFUSED\)/)
        // It restarts on the same port: the next send binds again (at once, before the old session's close is seen).
        const again = new Smsc({ accounts: [ACCOUNT] })
        await again.listen(w.port)
        cleanups.push(() => again.close())
        modem.attach(again)
        await s.send("+821077778888", "after")
        await again.close()
        const third = new Smsc({ accounts: [ACCOUNT] })
        await third.listen(w.port)
        cleanups.push(() => third.close())
        modem.attach(third)
        await s.send("+821077778888", "after a restart unseen")
        expect(modem.slots.slice(0, 3).map((m) => m?.text)).toEqual(["before", "after", "after a restart unseen"])
    })
})
