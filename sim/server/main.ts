// `npm run server` and `npm run provision`: the payment server on embedded defaults, and the
// issuing of cards and terminals into its store.
//
//   npm run server -- [--data DIR] [--db postgres://...] [--host 127.0.0.1] [--udp-port 1812] [--tcp-port 1812]
//                     [--network-name ACTIVECARD] [--realm pay.activecard.example]
//   npm run provision -- card --card-id ID --pan DIGITS [--holder NAME] [--currency 410]
//                     [--balance N] [--limit N] [--pin DIGITS] [--no-pin-limit N] [--out FILE] [--data DIR] [--db URL]
//   npm run provision -- terminal --terminal-id ID --merchant-id ID [--address 127.0.0.1] [--out FILE] [--data DIR] [--db URL]
//
// The storage is SQLite in the data folder, or the PostgreSQL database named by --db or, without
// it, by the environment variable ACTIVECARD_DB_URL (the command line wins); several servers may
// share one PostgreSQL database (each takes its own IND).
// Secrets (K, OPc, PIN, RADIUS shared secrets) go only into the files written with mode 0600.
// Every error is one line on stderr and a non-zero exit code: 2 for a wrong command line or
// refused input, 1 for a failure at run time (data folder, port, database).

import { parseArgs } from "node:util"
import { join } from "node:path"
import { DEFAULT_CONFIG, PaymentServer } from "./payment-server"
import { DuplicateCardError, type ServerStorage } from "../db/storage"
import { openServerStore } from "./open-store"
import { describeUrl, isPostgresUrl } from "../db/postgres-storage"
import { FieldError, MAX_MINOR_UNITS, parseCurrency, parseWhole } from "./fields"
import { provisionCard, provisionTerminal, writeCardFiles, writeTerminalConfig } from "./provision"

function fail(message: string, code = 2): never {
    console.error(`error: ${message}`)
    process.exit(code)
}

/** An option's whole number in min..max, or the fallback when absent. */
function int(v: string | undefined, fallback: number, what: string, min: number, max: number): number {
    if (v === undefined) return fallback
    try {
        return parseWhole(v, what, min, max)
    } catch (e) {
        fail((e as Error).message)
    }
}

/** One line for a failure at run time: what an operator must know, without a stack trace. */
function runtimeMessage(e: unknown): string {
    const err = e as NodeJS.ErrnoException & { address?: string; port?: number }
    if (err?.code === "EADDRINUSE") return `port ${err.port} on ${err.address} is already in use (another server running? choose --udp-port/--tcp-port)`
    if (err?.code === "EACCES" && err.syscall === "bind") return `no permission to listen on port ${err.port} (ports below 1024 need privileges)`
    if (err?.code === "EADDRNOTAVAIL") return `address ${err.address} is not an address of this machine (--host)`
    return err instanceof Error ? err.message : String(e)
}

/** The PostgreSQL URL from --db or ACTIVECARD_DB_URL (in that order), or undefined for SQLite in the data folder. */
function databaseUrl(option: string | undefined): string | undefined {
    const env = process.env.ACTIVECARD_DB_URL
    const url = option ?? (env !== undefined && env !== "" ? env : undefined)
    if (url !== undefined && !isPostgresUrl(url)) fail(`${option !== undefined ? "--db" : "ACTIVECARD_DB_URL"} must be a postgres:// URL`)
    return url
}

const SERVE_USAGE = "usage: npm run server -- [--data DIR] [--db postgres://USER@HOST:PORT/DB] [--host 127.0.0.1] [--udp-port 1812] [--tcp-port 1812] [--network-name ACTIVECARD] [--realm pay.activecard.example]"

/** parseArgs for string options, with a usage line instead of a stack trace for an unknown or malformed one. */
function options(argv: string[], spec: Record<string, { type: "string" }>, usage: string): Record<string, string | undefined> {
    if (argv.includes("--help")) {
        console.log(usage)
        process.exit(0)
    }
    try {
        return parseArgs({ args: argv, options: spec, allowPositionals: false }).values as Record<string, string | undefined>
    } catch (e) {
        // A stray argument is usually part of a value typed with spaces (a card number, a PIN):
        // it is not echoed. The other parse errors name only the option.
        const stray = (e as { code?: string }).code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
        fail(`${stray ? "an argument without an option before it (quote a value that has spaces)" : (e as Error).message}\n${usage}`)
    }
}

async function serve(argv: string[]): Promise<void> {
    const values = options(
        argv,
        {
            data: { type: "string" },
            db: { type: "string" },
            host: { type: "string" },
            "udp-port": { type: "string" },
            "tcp-port": { type: "string" },
            "network-name": { type: "string" },
            realm: { type: "string" },
        },
        SERVE_USAGE,
    )
    const config = {
        dataDir: values.data ?? DEFAULT_CONFIG.dataDir,
        db: databaseUrl(values.db),
        host: values.host ?? DEFAULT_CONFIG.host,
        udpPort: int(values["udp-port"], DEFAULT_CONFIG.udpPort, "--udp-port", 0, 65535),
        tcpPort: int(values["tcp-port"], DEFAULT_CONFIG.tcpPort, "--tcp-port", 0, 65535),
        networkName: values["network-name"] ?? DEFAULT_CONFIG.networkName,
        realm: values.realm ?? DEFAULT_CONFIG.realm,
    }
    let server: PaymentServer
    try {
        server = await PaymentServer.start(config)
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
    const stop = async () => {
        await server.stop()
        process.exit(0)
    }
    // Before the banner: whoever waits for it to stop the server must find the handlers in place.
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
    console.log(`payment server: RADIUS/UDP ${server.udp.address}:${server.udp.port}, RADIUS/TCP ${server.tcp.port}, ${config.db !== undefined ? "database " + describeUrl(config.db) : "data " + config.dataDir}`)
    const n = await server.store.counts()
    console.log(`${server.store.description}; cards: ${n.cards}, terminals: ${n.clients}, ledger entries: ${n.ledger}`)
}

const PROVISION_USAGE = [
    "usage: npm run provision -- card --card-id ID --pan DIGITS [--holder NAME] [--currency 410] [--balance N] [--limit N] [--pin DIGITS] [--no-pin-limit N] [--out FILE] [--data DIR] [--db postgres://...]",
    "       npm run provision -- terminal --terminal-id ID --merchant-id ID [--address 127.0.0.1] [--server-port 1812] [--out FILE] [--data DIR] [--db postgres://...]",
].join("\n")

async function provision(argv: string[]): Promise<void> {
    const [kind, ...rest] = argv
    if (kind === "--help") {
        console.log(PROVISION_USAGE)
        process.exit(0)
    }
    if (kind !== "card" && kind !== "terminal") fail(PROVISION_USAGE)
    const values = options(
        rest,
        {
            data: { type: "string" },
            db: { type: "string" },
            "card-id": { type: "string" },
            pan: { type: "string" },
            holder: { type: "string" },
            currency: { type: "string" },
            balance: { type: "string" },
            limit: { type: "string" },
            pin: { type: "string" },
            "no-pin-limit": { type: "string" },
            "terminal-id": { type: "string" },
            "merchant-id": { type: "string" },
            address: { type: "string" },
            "server-port": { type: "string" },
            out: { type: "string" },
        },
        PROVISION_USAGE,
    )
    const dataDir = values.data ?? DEFAULT_CONFIG.dataDir
    let store: ServerStorage
    try {
        store = await openServerStore(dataDir, { db: databaseUrl(values.db) })
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
    try {
        if (kind === "card") {
            const cardId = values["card-id"] ?? fail("--card-id is required")
            const { profile, pin } = await provisionCard(store, {
                cardId,
                pan: values.pan ?? fail("--pan is required"),
                holder: values.holder ?? "CARD HOLDER",
                currency: values.currency === undefined ? 410 : parseCurrency(values.currency),
                balance: int(values.balance, 1_000_000, "--balance", 0, MAX_MINOR_UNITS),
                limit: int(values.limit, 5_000_000, "--limit", 0, MAX_MINOR_UNITS),
                pin: values.pin,
                realm: DEFAULT_CONFIG.realm,
                networkName: "",
                noPinLimit: int(values["no-pin-limit"], 0, "--no-pin-limit", 0, MAX_MINOR_UNITS),
            })
            const out = values.out ?? join(dataDir, "..", "cards", `${cardId}.json`)
            const mailer = writeCardFiles(out, profile, pin)
            console.log(`card ${cardId} issued: profile ${out}, PIN mailer ${mailer} (both mode 0600)`)
        } else {
            const terminalId = values["terminal-id"] ?? fail("--terminal-id is required")
            const address = values.address ?? "127.0.0.1"
            const config = await provisionTerminal(store, address, terminalId, values["merchant-id"] ?? fail("--merchant-id is required"), DEFAULT_CONFIG.host, int(values["server-port"], DEFAULT_CONFIG.tcpPort, "--server-port", 1, 65535))
            const out = values.out ?? join(dataDir, "..", "terminals", `${terminalId}.json`)
            writeTerminalConfig(out, config)
            console.log(`terminal ${terminalId} at ${address} registered: configuration ${out} (mode 0600)`)
        }
    } catch (e) {
        await store.close()
        // Refused input (a field out of range, a malformed ID) is 2; the data folder failing is 1.
        fail(runtimeMessage(e), e instanceof FieldError || e instanceof DuplicateCardError || (e as Error)?.name === "Error" ? 2 : 1)
    }
    await store.close()
}

const [command, ...args] = process.argv.slice(2)
try {
    if (command === "serve") await serve(args)
    else if (command === "provision") await provision(args)
    else if (command === "--help") console.log(`${SERVE_USAGE}\n${PROVISION_USAGE}`)
    else fail(`${SERVE_USAGE}\n${PROVISION_USAGE}`)
} catch (e) {
    fail(runtimeMessage(e), 1)
}
