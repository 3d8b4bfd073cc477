// `npm run service`: the service provider (an online bank) on embedded defaults, and its accounts.
//
//   npm run service -- [serve] [--data DIR] [--host 127.0.0.1] [--port 8830] [--ca FILE|URL] [--ocsp URL] [--name NAME] [--wait-seconds 300]
//   npm run service -- account --number 110-... --holder NAME --phone +8210... [--balance 0] [--data DIR]
//   npm run service -- terminal --id TERM0001 --account 220-... [--token TOKEN] [--data DIR]
//   npm run service -- machine --id VM000001 [--token TOKEN] [--data DIR]
//
// The data folder (default data/service, mode 0700) holds the database; a new one starts with two
// demo accounts. The trusted CA certificate defaults to the CA's own, data/ca/ca.pem. SMS notices
// go to the log until an SMSC is configured. Every error is one line on stderr and a non-zero exit
// code: 2 for a wrong command line or refused input, 1 for a failure at run time.

import { fail, parseCommandLine, runtimeMessage as runtimeMessageOf, stopOnSignals, wholeOption } from "../command-line"
import { privateFolder } from "../private-folder"
import { randomBytes } from "node:crypto"
import { chmodSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { DEFAULT_SERVICE_CONFIG, ServiceServer, tokenSha256 } from "./service-server"
import { ServiceStore } from "./service-store"

const USAGE = [
    "usage: npm run service -- [serve] [--data DIR] [--host 127.0.0.1] [--port 8830] [--ca FILE|URL] [--ocsp URL] [--name NAME] [--wait-seconds 300]",
    "       npm run service -- account --number NUMBER --holder NAME --phone +8210... [--balance KRW] [--data DIR]",
    "       npm run service -- terminal --id TERMINAL --account NUMBER [--token TOKEN] [--data DIR]",
    "       npm run service -- machine --id MACHINE [--token TOKEN] [--data DIR]",
].join("\n")

function runtimeMessage(e: unknown): string {
    return runtimeMessageOf(e, "another service running? choose --port")
}

async function serve(argv: string[]): Promise<void> {
    const v = parseCommandLine(argv, USAGE, ["data", "host", "port", "ca", "ocsp", "name", "wait-seconds"])
    if (v.ocsp !== undefined && !/^https?:\/\/\S+$/.test(v.ocsp)) fail("--ocsp must be an http(s) URL")
    if (v.name !== undefined && !/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/.test(v.name)) fail("--name must be 1..32 printable ASCII characters")
    let server: ServiceServer
    try {
        server = await ServiceServer.start({
            dataDir: v.data ?? DEFAULT_SERVICE_CONFIG.dataDir,
            host: v.host ?? DEFAULT_SERVICE_CONFIG.host,
            port: wholeOption(v.port, DEFAULT_SERVICE_CONFIG.port, "--port", 0, 65535),
            caCertificate: v.ca ?? DEFAULT_SERVICE_CONFIG.caCertificate,
            ocspUrl: v.ocsp,
            name: v.name ?? DEFAULT_SERVICE_CONFIG.name,
            signatureWaitMs: 1000 * wholeOption(v["wait-seconds"], DEFAULT_SERVICE_CONFIG.signatureWaitMs / 1000, "--wait-seconds", 10, 86400),
        })
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
    stopOnSignals(server)
    console.log(`service provider: ${server.baseUrl} (transfer page /, card: GET /card/history/<id>, POST /card/signature/<id>, terminals: POST /terminal/transactions), data ${v.data ?? DEFAULT_SERVICE_CONFIG.dataDir}`)
    console.log(`accounts: ${server.store.accounts().map((a) => `${a.number} ${a.holder} ${a.phone}`).join("; ")}`)
}

/** Opens the store in the data folder of the command line, or exits. */
function openStore(data: string | undefined): ServiceStore {
    try {
        const dir = data ?? DEFAULT_SERVICE_CONFIG.dataDir
        privateFolder(dir, "the service keeps its database there")
        return ServiceStore.open(dir)
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
}

/**
 * Registers a merchant terminal (or gives it a new account and token). A generated token goes only
 * to a file of mode 0600 beside the database, as the CA's enrolment letters do: never to the screen.
 */
function terminalCommand(argv: string[]): void {
    const v = parseCommandLine(argv, USAGE, ["data", "id", "account", "token"])
    const id = v.id ?? fail("--id is required")
    if (!/^[A-Za-z0-9-]{1,16}$/.test(id)) fail("--id must be 1..16 letters, digits and dashes")
    const account = v.account ?? fail("--account is required")
    const token = givenOrNewToken(v.token)
    const store = openStore(v.data)
    try {
        if (store.account(account) === undefined) fail(`no account ${account} (open it with the account command; a new data folder gets its demo accounts when the service first starts)`)
        store.putTerminal({ id, account, tokenHash: tokenSha256(token) })
        console.log(`terminal ${id} pays into ${account}${keepToken(v.data, "terminal-tokens", id, token, v.token, "the terminal's")}`)
    } finally {
        store.close()
    }
}

/** Registers a vending machine that uploads its sales log (or gives it a new token), like a terminal. */
function machineCommand(argv: string[]): void {
    const v = parseCommandLine(argv, USAGE, ["data", "id", "token"])
    const id = v.id ?? fail("--id is required")
    if (!/^[A-Z0-9-]{1,24}$/.test(id)) fail("--id must be 1..24 capital letters, digits and dashes (the machine's vend.id)")
    const token = givenOrNewToken(v.token)
    const store = openStore(v.data)
    try {
        store.putMachine({ id, tokenHash: tokenSha256(token) })
        console.log(`vending machine ${id} registered${keepToken(v.data, "machine-tokens", id, token, v.token, "the machine's")}`)
    } finally {
        store.close()
    }
}

function givenOrNewToken(given: string | undefined): string {
    if (given !== undefined && !/^[\x21-\x7e]{16,64}$/.test(given)) fail("--token must be 16..64 printable ASCII characters without spaces")
    return given ?? randomBytes(16).toString("hex")
}

/** A generated token goes to `<data>/<folder>/<id>.txt` (mode 0600); the text says where, never the token. */
function keepToken(data: string | undefined, folderName: string, id: string, token: string, given: string | undefined, whose: string): string {
    if (given !== undefined) return ""
    const folder = join(data ?? DEFAULT_SERVICE_CONFIG.dataDir, folderName)
    privateFolder(folder, "tokens are kept there")
    const file = join(folder, `${id}.txt`)
    writeFileSync(file, token + "\n", { mode: 0o600 })
    chmodSync(file, 0o600)
    return `; its token (set it as ${whose} svc.token) is in ${file} (mode 0600)`
}

function accountCommand(argv: string[]): void {
    const v = parseCommandLine(argv, USAGE, ["data", "number", "holder", "phone", "balance"])
    const number = v.number ?? fail("--number is required")
    if (!/^[0-9][0-9-]{0,18}[0-9]$/.test(number)) fail("--number must be 2..20 digits and dashes")
    const holder = v.holder ?? fail("--holder is required")
    if (!/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/.test(holder)) fail("--holder must be 1..32 printable ASCII characters")
    const phone = v.phone ?? fail("--phone is required")
    if (!/^\+\d{1,15}$/.test(phone)) fail("--phone must be + and digits (E.164)")
    const balance = wholeOption(v.balance, 0, "--balance", 0, 1e12)
    const store = openStore(v.data)
    try {
        if (store.account(number) !== undefined) fail(`account ${number} exists already`)
        store.addAccount({ number, holder, phone, balance })
        console.log(`account ${number} (${holder}, ${phone}) opened`)
    } finally {
        store.close()
    }
}

const [command, ...args] = process.argv.slice(2)
try {
    if (command === undefined || command.startsWith("--")) await serve(process.argv.slice(2))
    else if (command === "serve") await serve(args)
    else if (command === "account") accountCommand(args)
    else if (command === "terminal") terminalCommand(args)
    else if (command === "machine") machineCommand(args)
    else fail(USAGE)
} catch (e) {
    fail(runtimeMessage(e), 1)
}
