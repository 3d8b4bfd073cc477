// The payment flows (payment-flows-cases.ts) with the server's storage on a real PostgreSQL
// (ACTIVECARD_TEST_PG_URL), EAP sessions kept in the database: a new database for each case; and
// two server processes answering the same requests at once. Skipped, saying so, without PostgreSQL.

import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { InProcessCard } from "../../sim/card/in-process-card"
import { RadiusClient } from "../../sim/radius/client"
import { PaymentServer } from "../../sim/server/payment-server"
import { provisionCard, provisionTerminal } from "../../sim/server/provision"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { TerminalRelay, type UplinkPort } from "../../src/terminal/terminal-relay"
import { createTestDatabase, noteSkipped, PG_URL } from "../support/pg-database"
import { newPayment, startWorld } from "../support/payment-world"
import { paymentFlows } from "./payment-flows-cases"

noteSkipped("payment flows on PostgreSQL")

describe.skipIf(PG_URL === undefined)("payment flows on PostgreSQL", () => {
    paymentFlows(async () => {
        const db = await createTestDatabase()
        return await startWorld(1_000_000, { db: db.url, dispose: db.drop })
    })
})

describe.skipIf(PG_URL === undefined)("two payment servers on one PostgreSQL database", () => {
    test("every request of a payment sent to both at once: one approval; of two processes continuing the same step, one answers", async () => {
        const db = await createTestDatabase()
        const dir = mkdtempSync(join(tmpdir(), "activecard-two-"))
        const servers: PaymentServer[] = []
        const clients: RadiusClient[] = []
        const lines: string[] = []
        try {
            for (let i = 0; i < 2; i++) servers.push(await PaymentServer.start({ dataDir: dir, db: db.url, udpPort: 0, tcpPort: 0, log: (l) => lines.push(`server ${i}: ${l}`) }))
            const { profile } = await provisionCard(servers[0].store, { cardId: "CARD0001", pan: "9400123456789012", holder: "TWO", currency: 410, balance: 100_000, limit: 100_000, pin: "2580", realm: "pay.activecard.example", networkName: "", noPinLimit: 100_000 })
            const terminal = await provisionTerminal(servers[0].store, "127.0.0.1", "TERM0001", "MERCHANT0001", "127.0.0.1", 0)
            await new Promise((r) => setTimeout(r, 1500)) // the other process reads the new terminal within a second
            const uplinks: RadiusUplink[] = []
            // Each request reaches each process at once; the losing process never answers. A loaded
            // machine can take seconds over a step's commits, so the wait is long, and a request
            // neither answers in time is sent again, as a terminal does.
            for (const s of servers) {
                const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: s.udp.port, secret: Buffer.from(terminal.secret, "utf8"), timeoutMs: 15_000, retries: 1 })
                clients.push(client)
                uplinks.push(new RadiusUplink(client, "TERM0001"))
            }
            // The same request to both processes; the first answer is the terminal's.
            const both: UplinkPort = {
                send: (eap, state, payment) => Promise.any(uplinks.map((u) => u.send(eap, state, payment))),
                inquire: (transactionId) => Promise.any(uplinks.map((u) => u.inquire(transactionId))),
            }
            const card = InProcessCard.fromProfile(profile, { preferPrime: true, allowAka: true, networkName: "", usePseudonyms: true })
            for (let i = 0; i < 3; i++) {
                const outcome = await new TerminalRelay(card, both, (n) => randomBytes(n))
                    .pay(newPayment(1000), "2580")
                    .catch((e: Error) => {
                        throw new Error(`payment ${i + 1}: ${e.message}\nthe servers' lines:\n${lines.join("\n")}`)
                    })
                expect(outcome.approved, outcome.message + "\n" + lines.join("\n")).toBe(true)
            }
            const superseded = servers.reduce((n, s) => n + s.udp.stats.handlerErrors, 0)
            expect(superseded).toBeGreaterThan(0)
            await servers[0].gateway.sweep(Infinity) // the sessions the losing first requests began
            const ledger = await servers[1].store.ledger()
            expect(ledger.map((r) => r.state)).toEqual(["final", "final", "final"])
            expect((await servers[1].store.card("CARD0001"))!.balance).toBe(100_000 - 3000)
            console.log(`two servers, every request to both: ${superseded} steps answered by the other process first`)
        } finally {
            for (const c of clients) await c.close()
            for (const s of servers) await s.stop()
            rmSync(dir, { recursive: true, force: true })
            await db.drop()
        }
    }, 120_000)
})
