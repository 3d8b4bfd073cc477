// `npm run server` and `npm run provision`: the payment server on embedded defaults, and the
// issuing of cards and terminals into its store.
//
//   npm run server -- [--data DIR] [--db postgres://...] [--host 127.0.0.1] [--udp-port 1812] [--tcp-port 1812]
//                     [--network-name ACTIVECARD] [--realm pay.activecard.example]
//                     [--tls-cert FILE --tls-key FILE --tls-ca FILE [--tls-crl FILE]]   (PEM: EAP-TLS offered beside EAP-AKA'/AKA; the cards' CRL, reread when the file changes)
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

import { fail, parseCommandLine, runtimeMessage as runtimeMessageOf, stopOnSignals, wholeOption } from "../command-line"
import { join } from "node:path"
import { existsSync, readFileSync } from "node:fs"
import type { TlsServerCredentials } from "./eap-tls-server"
import { DEFAULT_CONFIG, PaymentServer } from "./payment-server"
import { DuplicateCardError, type ServerStorage } from "../db/storage"
import { openServerStore } from "./open-store"
import { describeUrl, isPostgresUrl } from "../db/postgres-storage"
import { FieldError, MAX_MINOR_UNITS, parseCurrency } from "./fields"
import { provisionCard, provisionTerminal, writeCardFiles, writeTerminalConfig } from "./provision"

/** One line for a failure at run time. */
function runtimeMessage(e: unknown): string {
    return runtimeMessageOf(e, "another server running? choose --udp-port/--tcp-port")
}

/** The PostgreSQL URL from --db or ACTIVECARD_DB_URL (in that order), or undefined for SQLite in the data folder. */
function databaseUrl(option: string | undefined): string | undefined {
    const env = process.env.ACTIVECARD_DB_URL
    const url = option ?? (env !== undefined && env !== "" ? env : undefined)
    if (url !== undefined && !isPostgresUrl(url)) fail(`${option !== undefined ? "--db" : "ACTIVECARD_DB_URL"} must be a postgres:// URL`)
    return url
}

const SERVE_USAGE =
    "usage: npm run server -- [--data DIR] [--db postgres://USER@HOST:PORT/DB] [--host 127.0.0.1] [--udp-port 1812] [--tcp-port 1812] [--network-name ACTIVECARD] [--realm pay.activecard.example] [--tls-cert FILE --tls-key FILE --tls-ca FILE [--tls-crl FILE]]"

/** EAP-TLS credentials from the three PEM files, all or none, and the cards' CRL file if given; null without them. */
function tlsCredentials(values: Record<string, string | undefined>): TlsServerCredentials | null {
    const files = [values["tls-cert"], values["tls-key"], values["tls-ca"]]
    if (files.every((f) => f === undefined)) {
        if (values["tls-crl"] !== undefined) fail("--tls-crl goes with --tls-cert, --tls-key and --tls-ca")
        return null
    }
    if (files.some((f) => f === undefined)) fail("--tls-cert, --tls-key and --tls-ca go together")
    const [cert, key, ca] = files.map((f) => {
        try {
            return readFileSync(f as string, "utf8")
        } catch {
            fail(`cannot read ${f}`)
        }
    })
    const crlFile = values["tls-crl"]
    if (crlFile !== undefined && !existsSync(crlFile)) fail(`cannot read ${crlFile}`)
    return { cert, key, ca, crlFile }
}

async function serve(argv: string[]): Promise<void> {
    const values = parseCommandLine(argv, SERVE_USAGE, ["data", "db", "host", "udp-port", "tcp-port", "network-name", "realm", "tls-cert", "tls-key", "tls-ca", "tls-crl"])
    const config = {
        dataDir: values.data ?? DEFAULT_CONFIG.dataDir,
        db: databaseUrl(values.db),
        host: values.host ?? DEFAULT_CONFIG.host,
        udpPort: wholeOption(values["udp-port"], DEFAULT_CONFIG.udpPort, "--udp-port", 0, 65535),
        tcpPort: wholeOption(values["tcp-port"], DEFAULT_CONFIG.tcpPort, "--tcp-port", 0, 65535),
        networkName: values["network-name"] ?? DEFAULT_CONFIG.networkName,
        realm: values.realm ?? DEFAULT_CONFIG.realm,
        tls: tlsCredentials(values),
    }
    let server: PaymentServer
    try {
        server = await PaymentServer.start(config)
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
    // Before the banner: whoever waits for it to stop the server must find the handlers in place.
    stopOnSignals(server)
    console.log(`payment server: RADIUS/UDP ${server.udp.address}:${server.udp.port}, RADIUS/TCP ${server.tcp.port}${config.tls !== null ? ", EAP-TLS offered" : ""}, ${config.db !== undefined ? "database " + describeUrl(config.db) : "data " + config.dataDir}`)
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
    const values = parseCommandLine(rest, PROVISION_USAGE, ["data", "db", "card-id", "pan", "holder", "currency", "balance", "limit", "pin", "no-pin-limit", "terminal-id", "merchant-id", "address", "server-port", "out"])
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
                balance: wholeOption(values.balance, 1_000_000, "--balance", 0, MAX_MINOR_UNITS),
                limit: wholeOption(values.limit, 5_000_000, "--limit", 0, MAX_MINOR_UNITS),
                pin: values.pin,
                realm: DEFAULT_CONFIG.realm,
                networkName: "",
                noPinLimit: wholeOption(values["no-pin-limit"], 0, "--no-pin-limit", 0, MAX_MINOR_UNITS),
            })
            const out = values.out ?? join(dataDir, "..", "cards", `${cardId}.json`)
            const mailer = writeCardFiles(out, profile, pin)
            console.log(`card ${cardId} issued: profile ${out}, PIN mailer ${mailer} (both mode 0600)`)
        } else {
            const terminalId = values["terminal-id"] ?? fail("--terminal-id is required")
            const address = values.address ?? "127.0.0.1"
            const config = await provisionTerminal(store, address, terminalId, values["merchant-id"] ?? fail("--merchant-id is required"), DEFAULT_CONFIG.host, wholeOption(values["server-port"], DEFAULT_CONFIG.tcpPort, "--server-port", 1, 65535))
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
