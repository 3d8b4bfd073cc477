// PostgreSQL lost under a running payment server: a cluster of this test's own is stopped at once
// (as a crash of the database would) while cards pay, then started again. The server process does
// not crash; requests meanwhile are dropped (the terminal retransmits, then gives up: nothing
// approved); it serves again once the database is back; and afterwards the usual guarantees hold:
// every approval a terminal received is in the ledger once and final, no half-written payment
// (balance = initial - final approvals), no approval number or SQN twice. Needs
// ACTIVECARD_TEST_PG_URL (the sign that PostgreSQL suites should run) and the PostgreSQL binaries.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { InProcessCard } from "../../sim/card/in-process-card"
import { LedgerPorts } from "../../sim/server/ledger-ports"
import { openServerStore } from "../../sim/server/open-store"
import { provisionCard, provisionTerminal, type CardProfile } from "../../sim/server/provision"
import { checkLedger, load, serve, SqnWatch, stopProcess, until, type Approval } from "../support/crash-load"
import { freePort } from "../support/free-port"
import { pgBinDir, startCluster } from "../support/pg-cluster"
import { noteSkipped, PG_URL, sql, withDatabase } from "../support/pg-database"

const CARDS = 4
const BALANCE = 10_000_000

const cleanup: (() => void | Promise<void>)[] = []
afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f()
})

noteSkipped("PostgreSQL lost mid-run")
const available = PG_URL !== undefined && pgBinDir() !== null
if (PG_URL !== undefined && !available) console.log("PostgreSQL lost mid-run: skipped, PostgreSQL binaries (initdb, pg_ctl) not found: set ACTIVECARD_TEST_PG_BIN")

describe.skipIf(!available)("PostgreSQL lost mid-run", () => {
    test("the database stops under load and comes back: no crash, nothing approved meanwhile, service resumes, no half-written payment", async () => {
        const cluster = await startCluster()
        cleanup.push(() => cluster.dispose())
        await sql(cluster.url, "CREATE DATABASE activecard")
        const url = withDatabase(cluster.url, "activecard")
        const dir = mkdtempSync(join(tmpdir(), "activecard-pgfault-"))
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
        const port = await freePort()

        const store = await openServerStore(dir, { db: url })
        const profiles: CardProfile[] = []
        for (let i = 0; i < CARDS; i++) {
            const { profile } = await provisionCard(store, { cardId: `FAULT${i}00`, pan: `94002222000000${String(i).padStart(2, "0")}`, holder: "FAULT", currency: 410, balance: BALANCE, limit: 1_000_000, pin: "2580", realm: "pay.activecard.example", networkName: "", noPinLimit: 1_000_000 })
            profiles.push(profile)
        }
        const terminal = await provisionTerminal(store, "127.0.0.1", "TERMFALT", "MERCHANT0001", "127.0.0.1", port)
        await store.close()
        const sqns = new SqnWatch()
        const cards = profiles.map((p) => sqns.watch(InProcessCard.fromProfile(p, { preferPrime: true, allowAka: true, networkName: "", usePseudonyms: true })))

        const server = await serve(["--db", url, "--data", join(dir, "server"), "--udp-port", String(port), "--tcp-port", String(port)], cleanup)
        const approvals: Approval[] = []
        const traffic = load(port, terminal, cards, approvals)
        await until(() => approvals.length >= 40, 60_000)

        cluster.stop()
        const stoppedAt = approvals.length
        await new Promise((r) => setTimeout(r, 3000))
        // A payment that had its answer in flight when the database stopped may still complete; none starts.
        expect(approvals.length - stoppedAt).toBeLessThanOrEqual(CARDS)
        const duringOutage = approvals.length
        await new Promise((r) => setTimeout(r, 2000))
        expect(approvals.length).toBe(duringOutage)
        expect(server.child.exitCode).toBeNull()

        cluster.start()
        const back = approvals.length
        await until(() => approvals.length >= back + 40, 60_000)
        await traffic.stop()
        await stopProcess(server.child, "SIGTERM")
        expect(server.child.exitCode).toBe(0)
        expect(server.output()).not.toMatch(/^\s+at /m) // no stack trace

        const after = await openServerStore(dir, { db: url })
        cleanup.push(() => after.close())
        // Exchanges the outage cut short: what a server's sweep does once their sessions expire.
        await (await LedgerPorts.open(after)).abandonShared(Infinity, 0)
        await after.expirePending(Infinity)
        const figures = await checkLedger(after, approvals, profiles, BALANCE)
        expect(sqns.reused).toBe(0)
        console.log(`PostgreSQL lost mid-run: ${approvals.length} approvals received (${stoppedAt} before the outage, ${duringOutage - stoppedAt} completing during it), ${figures.final} final, ${figures.reversed} reversed; server log: ${server.output().split("\n").filter((l) => /failed|lost|IND/.test(l)).slice(0, 4).join(" | ")}`)
    }, 180_000)
})
