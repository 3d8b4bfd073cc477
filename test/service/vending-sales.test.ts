// The vending machine online (src/vending/sales-upload.ts) against the real service provider's
// POST /vending/sales (sim/service/vending-sales.ts), over the portable HTTP client on a node:net
// stream: the sales log uploaded in batches and kept once, the machine's clock set from the
// provider's time, a provider out of reach (the machine keeps its log), malformed uploads, and
// uploads from a machine the provider does not know or with a wrong token.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CaServer } from "../../sim/ca/ca-server"
import { ServiceServer, tokenSha256 } from "../../sim/service/service-server"
import { VendingSales } from "../../sim/service/vending-sales"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"
import { SalesLog, type SaleRecord } from "../../src/vending/sales-log"
import { syncSales } from "../../src/vending/sales-upload"
import { freePort } from "../support/free-port"
import { MemorySettings } from "../shared/memory-settings"

const SERVER_TIME = new Date("2026-12-06T09:00:00Z")
const TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00"
const OTHER_TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee01"

let dir: string
let ca: CaServer
let service: ServiceServer

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "activecard-vending-"))
    ca = await CaServer.start({ dataDir: join(dir, "ca"), port: await freePort(), log: () => {} })
    service = await ServiceServer.start({ dataDir: join(dir, "service"), port: 0, caCertificate: join(dir, "ca", "ca.pem"), log: () => {}, now: () => SERVER_TIME })
    for (const id of ["VM000001", "VM000002", "VM9"]) service.store.putMachine({ id, tokenHash: tokenSha256(TOKEN) })
})

afterAll(async () => {
    await service?.stop()
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

/** A log with `n` sales logged the way the application does (pending, then committed). */
async function logWith(n: number, settings = new MemorySettings()): Promise<SalesLog> {
    const log = new SalesLog(settings, 32)
    await log.load()
    for (let i = 0; i < n; i++) {
        const r: SaleRecord = { status: i === 1 ? "UNCONFIRMED" : "DISPENSED", nonce: (i + 1).toString(16).padStart(24, "0"), slot: 1 + (i % 4), price: 1500, currency: 410, serial: "01ab23", at: "2026-12-05T21:57:16Z" }
        await log.setPending(r)
        await log.commit(r)
    }
    return log
}

function clockAt(seconds: number) {
    const c = { seconds, sets: 0, now: async () => c.seconds, set: async (s: number) => void ((c.seconds = s), c.sets++) }
    return c
}

const open = () => nodeByteStream("127.0.0.1", service.port)
const SERVER_SECONDS = SERVER_TIME.getTime() / 1000

describe("uploading the sales log", () => {
    test("every sale in batches, kept once; the clock set from the provider's time", async () => {
        const flash = new MemorySettings()
        const log = await logWith(19, flash)
        const clock = clockAt(-1) // the clock lost its time
        const r = await syncSales(log, "VM000001", TOKEN, open, "127.0.0.1", clock, 3000)
        expect(r).toEqual({ uploaded: 19, clockSet: true })
        expect(clock.seconds).toBe(SERVER_SECONDS)
        expect(log.sent).toBe(19)
        expect(log.free()).toBe(32)
        const kept = service.vendingSales.list("VM000001")
        expect(kept.map((k) => k.seq)).toEqual([...Array(19).keys()])
        expect(kept[1].sale).toBe("UNCONFIRMED 000000000000000000000002 2 1500 410 01ab23 2026-12-05T21:57:16Z")
        // Nothing left: a round only reads the time, and a clock within 2 s is left alone.
        clock.seconds = SERVER_SECONDS + 2
        expect(await syncSales(log, "VM000001", TOKEN, open, "127.0.0.1", clock, 3000)).toEqual({ uploaded: 0, clockSet: false })
        expect(clock.sets).toBe(1)
        // The same sales sent again (an answer lost on the way) are kept once; the book survives a restart.
        await flash.write("vs.sent", Buffer.from("16"), true)
        const again = new SalesLog(flash, 32)
        await again.load()
        expect((await syncSales(again, "VM000001", TOKEN, open, "127.0.0.1", clockAt(SERVER_SECONDS), 3000)).uploaded).toBe(3)
        expect(service.vendingSales.list("VM000001")).toHaveLength(19)
        expect(new VendingSales(join(dir, "service")).list("VM000001")).toHaveLength(19)
    })

    test("a provider out of reach: the log keeps its sales for the next round", async () => {
        const log = await logWith(2)
        const closed = await freePort()
        await expect(syncSales(log, "VM000002", TOKEN, () => nodeByteStream("127.0.0.1", closed), "127.0.0.1", clockAt(SERVER_SECONDS), 1000)).rejects.toThrow()
        expect(log.sent).toBe(0)
        expect(await log.unsent(10)).toHaveLength(2)
    })

    test("malformed uploads are refused with 400, the wrong type with 415", async () => {
        const post = (body: string, type = "text/plain") => fetch(service.baseUrl + "/vending/sales", { method: "POST", headers: { "content-type": type }, body })
        expect((await post(`MACHINE vm1 ${TOKEN}\n`)).status).toBe(400)
        expect((await post("MACHINE VM9\n")).status).toBe(400) // no token
        expect((await post(`MACHINE VM9 ${TOKEN}\n0 DISPENSED x\n`)).status).toBe(400)
        expect((await post(`MACHINE VM9 ${TOKEN}\n-1 DISPENSED 00 1 1500 410 01 2026-12-05T21:57:16Z\n`)).status).toBe(400)
        expect((await post(`MACHINE VM9 ${TOKEN}\n`, "application/json")).status).toBe(415)
        const ok = await post(`MACHINE VM9 ${TOKEN}\n`)
        expect(await ok.text()).toBe(`OK 0 ${SERVER_SECONDS}\n`)
    })

    test("an unknown machine or a wrong token: 401 with one answer for both, nothing kept, the token never echoed", async () => {
        const sale = "0 DISPENSED 00 1 1500 410 01 2026-12-05T21:57:16Z\n"
        const post = (body: string) => fetch(service.baseUrl + "/vending/sales", { method: "POST", headers: { "content-type": "text/plain" }, body })
        const wrong = await post(`MACHINE VM9 ${OTHER_TOKEN}\n${sale}`)
        const unknown = await post(`MACHINE VM404 ${TOKEN}\n${sale}`)
        expect(wrong.status).toBe(401)
        expect(unknown.status).toBe(401)
        const [a, b] = [await wrong.text(), await unknown.text()]
        expect(a).toBe("REFUSED unknown machine or wrong token\n")
        expect(b).toBe(a)
        expect(service.vendingSales.list("VM9")).toEqual([])
        expect(service.vendingSales.list("VM404")).toEqual([])
        // The machine's own round with a wrong token fails and keeps its log.
        const log = await logWith(2)
        await expect(syncSales(log, "VM000002", OTHER_TOKEN, open, "127.0.0.1", clockAt(SERVER_SECONDS), 3000)).rejects.toThrow(/401/)
        expect(log.sent).toBe(0)
    })
})
