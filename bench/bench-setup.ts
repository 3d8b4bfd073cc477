// The benchmarks' payment server: a data folder of its own, one terminal at 127.0.0.1, and
// `cardsPerTerminal` cards for each of `terminals` simulated terminals, with balances and limits
// that no benchmark exhausts. On SQLite (the data folder's database) or on PostgreSQL: a throwaway
// database created for the run on the server the URL names, dropped afterwards.

import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { InProcessCard } from "../sim/card/in-process-card"
import { PaymentServer, type PaymentServerConfig } from "../sim/server/payment-server"
import { provisionCard, provisionTerminal, type CardProfile, type TerminalConfig } from "../sim/server/provision"
import type { ServerStorage } from "../sim/db/storage"

/** The PIN of every benchmark card; payments under the no-PIN limit never ask for it. */
export const BENCH_PIN = "2580"

async function provisionBenchCards(store: ServerStorage, terminals: number, cardsPerTerminal: number): Promise<CardProfile[][]> {
    const fleets: CardProfile[][] = []
    for (let t = 0; t < terminals; t++) {
        const cards: CardProfile[] = []
        for (let c = 0; c < cardsPerTerminal; c++) {
            const { profile } = await provisionCard(store, {
                cardId: `B${t}C${c}`.padEnd(8, "0"),
                pan: "94" + String(t).padStart(7, "0") + String(c).padStart(7, "0"), // 16 digits, one per card
                holder: "BENCH",
                currency: 410,
                balance: 999_999_999_999,
                limit: 1e9,
                pin: BENCH_PIN,
                realm: "pay.activecard.example",
                networkName: "",
                noPinLimit: 1e9, // no PIN: the benchmark measures the server
            })
            cards.push(profile)
        }
        fleets.push(cards)
    }
    return fleets
}

export interface BenchServer {
    server: PaymentServer
    terminal: TerminalConfig
    /** Card profiles per simulated terminal. */
    fleets: CardProfile[][]
    /** PostgreSQL: the database server's process IDs (their CPU is the database's, where it runs on this machine). */
    databasePids: (() => Promise<number[]>) | null
    /** Stops the server and deletes its data folder. */
    close(): Promise<void>
}

/** Where the benchmark's server keeps its data: SQLite in its data folder, or the PostgreSQL server at `url`. */
export type BenchEngine = { name: "SQLite" } | { name: "PostgreSQL"; url: string }

export const SQLITE: BenchEngine = { name: "SQLite" }

/** The PostgreSQL server to measure: ACTIVECARD_BENCH_PG_URL, else ACTIVECARD_DB_URL; null when neither is set. */
export function benchPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | null {
    return env.ACTIVECARD_BENCH_PG_URL || env.ACTIVECARD_DB_URL || null
}

/** Whether this tree's payment server has the PostgreSQL engine (a database URL in its configuration's `db`). */
function postgresEngine(): boolean {
    return existsSync(new URL("../sim/db/postgres-storage.ts", import.meta.url))
}

/** Why PostgreSQL cannot be measured here, or null when it can. */
export function postgresSkipReason(url: string | null): string | null {
    if (url === null) return "set ACTIVECARD_BENCH_PG_URL"
    if (!postgresEngine()) return "this tree's payment server has no PostgreSQL engine (sim/db/postgres-storage.ts)"
    return null
}

/** `url` with its database name replaced (postgres://user:password@host:port/NAME?options). */
export function withDatabase(url: string, name: string): string {
    const m = /^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url)
    if (!m) throw new Error("not a postgres:// URL")
    return `${m[1]}/${name}${m[3] ?? ""}`
}

interface ThrowawayDatabase {
    url: string
    /** The process IDs of the PostgreSQL server's processes (its backends and background workers). */
    serverPids(): Promise<number[]>
    drop(): Promise<void>
}

/** A database of its own for one run on the PostgreSQL server at `url`, dropped by drop(). */
async function throwawayDatabase(url: string): Promise<ThrowawayDatabase> {
    const moduleName = "pg" // the PostgreSQL engine's driver; loaded only when PostgreSQL is measured
    const pg = (await import(moduleName)).default
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    const name = `activecard_bench_${process.pid}_${Date.now().toString(36)}`
    try {
        await admin.query(`CREATE DATABASE ${name}`)
    } catch (e) {
        await admin.end()
        throw e
    }
    return {
        url: withDatabase(url, name),
        serverPids: async () => (await admin.query("SELECT pid FROM pg_stat_activity")).rows.map((r: { pid: number }) => r.pid),
        drop: async () => {
            try {
                await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
            } finally {
                await admin.end()
            }
        },
    }
}

/** A fresh server offering only `method`, with its terminal and cards provisioned. */
export async function openBenchServer(method: number, terminals: number, cardsPerTerminal: number, engine: BenchEngine = SQLITE): Promise<BenchServer> {
    const dir = mkdtempSync(join(tmpdir(), "activecard-bench-"))
    const config: Partial<PaymentServerConfig> = { dataDir: dir, udpPort: 0, tcpPort: 0, methods: [method], log: () => {} }
    let database: ThrowawayDatabase | null = null
    let server: PaymentServer
    try {
        if (engine.name === "PostgreSQL") {
            const skip = postgresSkipReason(engine.url)
            if (skip !== null) throw new Error("PostgreSQL: " + skip)
            database = await throwawayDatabase(engine.url)
            // The configuration's `db` (the server's --db): typed where the engine is in the tree.
            ;(config as Record<string, unknown>).db = database.url
        }
        server = await PaymentServer.start(config)
        // A configuration field the server ignored would measure SQLite under PostgreSQL's name.
        if (!server.store.description.startsWith(engine.name)) {
            await server.stop()
            throw new Error(`asked for ${engine.name}, the server opened ${server.store.description.split(" ")[0]}`)
        }
    } catch (e) {
        await database?.drop()
        rmSync(dir, { recursive: true, force: true })
        throw e
    }
    const close = async () => {
        await server.stop()
        await database?.drop()
        rmSync(dir, { recursive: true, force: true })
    }
    try {
        const terminal = await provisionTerminal(server.store, "127.0.0.1", "TERM0001", "MERCHANT0001", "127.0.0.1", server.udp.port)
        const fleets = await provisionBenchCards(server.store, terminals, cardsPerTerminal)
        const db = database
        return { server, terminal, fleets, databasePids: db ? () => db.serverPids() : null, close }
    } catch (e) {
        await close()
        throw e
    }
}

/** One terminal's cards, running the real card logic: EAP-AKA' preferred when `prime`, EAP-AKA allowed, no pseudonyms. */
export function benchCards(profiles: CardProfile[], prime: boolean): InProcessCard[] {
    return profiles.map((p) => InProcessCard.fromProfile(p, { preferPrime: prime, allowAka: true, networkName: "", usePseudonyms: false }))
}
