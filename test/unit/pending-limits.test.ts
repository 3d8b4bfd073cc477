// What one terminal can make the server hold: at most maxPaymentsPerTerminal exchanges with a
// payment at once; pending payments of exchanges that end undecided or are abandoned are removed,
// old ones expire, and none survives a restart.

import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { openServerStore } from "../../sim/server/open-store"
import { PaymentServer } from "../../sim/server/payment-server"
import { encodePayment, type Payment } from "../../src/payment/payment"

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!()
})

const payment = (terminalId: string): Payment => ({ amount: 1000, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId, transactionId: randomBytes(8) })
const tick = () => new Promise((r) => setImmediate(r))

async function start(dir: string): Promise<PaymentServer> {
    const server = await PaymentServer.start({ dataDir: dir, udpPort: 0, tcpPort: 0, sessionTimeoutMs: 1000, maxPaymentsPerTerminal: 3, log: () => {} })
    return server
}

describe("pending payments and per-terminal limits", () => {
    test("a terminal holds at most its limit of payments in progress; abandoned ones are removed, old ones expire, a restart removes the rest", async () => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-pending-"))
        let server = await start(dir)
        cleanup.push(async () => {
            await server.stop()
            rmSync(dir, { recursive: true, force: true })
        })
        const first = (terminalId: string, client = "127.0.0.1") => server.gateway.handle({ eap: null, state: null, payment: payment(terminalId), terminalId, client })
        for (let i = 0; i < 3; i++) expect((await first("TERM0001")).kind).toBe("challenge")
        const refused = await first("TERM0001")
        expect(refused.kind).toBe("reject")
        expect(refused.reason).toBe("too many payments in progress for this terminal")
        // Counted per RADIUS client: another claimed terminal ID from the same address does not escape it.
        expect((await first("TERM0009")).kind).toBe("reject")
        expect((await first("TERM0002", "127.0.0.2")).kind).toBe("challenge") // another terminal is not held back
        await tick()
        expect((await server.store.counts()).pending).toBe(4)

        // Abandoned (no answer for the session timeout): removed, and the terminal may start again.
        expect(await server.gateway.sweep(Date.now() + 1001)).toBe(4)
        await tick()
        expect((await server.store.counts()).pending).toBe(0)
        expect((await first("TERM0001")).kind).toBe("challenge")

        // A pending payment older than twice the session timeout expires with the next sweep.
        const old = payment("TERM0003")
        await server.store.storePending(old.transactionId.toString("hex"), "TERM0003", encodePayment(old), Date.now() - 2001)
        expect((await server.store.counts()).pending).toBe(2)
        await server.gateway.sweep()
        expect((await server.store.counts()).pending).toBe(1)

        // A restart: no session survives it, nor its pending payment (here one left in the database
        // as a killed process would leave it).
        await server.stop()
        const store = await openServerStore(dir)
        await store.storePending(old.transactionId.toString("hex"), "TERM0003", encodePayment(old), Date.now())
        expect((await store.counts()).pending).toBe(1)
        await store.close()
        server = await start(dir)
        expect((await server.store.counts()).pending).toBe(0)
    })
})
