// `npm run ca`: the certification authority on embedded defaults, its registration desk and
// revocation.
//
//   npm run ca -- [serve] [--data DIR] [--host 127.0.0.1] [--port 8829] [--url http://HOST:PORT] [--validity-days 730]
//   npm run ca -- register --name NAME --phone +8210... [--out FILE] [--data DIR]
//   npm run ca -- revoke --serial HEX [--reason keyCompromise] [--data DIR]
//
// The data folder (default data/ca, mode 0700) holds the database, the CA's key (0600) and its
// certificate (ca.pem). A registration's one-time secret goes only into its mailer file (0600,
// default data/ca-mailers/REFERENCE.txt); nothing prints it. Every error is one line on stderr and
// a non-zero exit code: 2 for a wrong command line or refused input, 1 for a failure at run time.

import { fail, parseCommandLine, runtimeMessage as runtimeMessageOf, stopOnSignals, wholeOption } from "../command-line"
import { join } from "node:path"
import { CaServer, CMP_PATH, DEFAULT_CA_CONFIG } from "./ca-server"
import { openCaData } from "./ca-data"
import { CaStateError, CRL_REASON, normaliseSerial, type CrlReasonName } from "./ca-store"
import { register, RegistrationError } from "./registration-desk"

/** One line for a failure at run time. */
function runtimeMessage(e: unknown): string {
    return runtimeMessageOf(e, "another CA running? choose --port")
}

const USAGE = [
    "usage: npm run ca -- [serve] [--data DIR] [--host 127.0.0.1] [--port 8829] [--url http://HOST:PORT] [--validity-days 730]",
    "       npm run ca -- register --name NAME --phone +8210... [--out FILE] [--data DIR]",
    `       npm run ca -- revoke --serial HEX [--reason ${Object.keys(CRL_REASON).join("|")}] [--data DIR]`,
].join("\n")

function options<S extends string>(argv: string[], names: readonly S[]): { [K in S]?: string } {
    return parseCommandLine(argv, USAGE, names)
}

function openData(dir: string) {
    try {
        return openCaData(dir)
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
}

async function serve(argv: string[]): Promise<void> {
    const v = options(argv, ["data", "host", "port", "url", "validity-days"])
    if (v.url !== undefined && !/^https?:\/\/[^\s/]+$/.test(v.url)) fail("--url must be http://HOST[:PORT] without a path")
    let server: CaServer
    try {
        server = await CaServer.start({
            dataDir: v.data ?? DEFAULT_CA_CONFIG.dataDir,
            host: v.host ?? DEFAULT_CA_CONFIG.host,
            port: wholeOption(v.port, DEFAULT_CA_CONFIG.port, "--port", 0, 65535),
            baseUrl: v.url,
            validityDays: wholeOption(v["validity-days"], DEFAULT_CA_CONFIG.validityDays, "--validity-days", 1, 36500),
        })
    } catch (e) {
        fail(runtimeMessage(e), 1)
    }
    stopOnSignals(server)
    const n = server.store.counts()
    console.log(`certification authority: ${server.baseUrl} (CMP ${CMP_PATH}, OCSP /ocsp, CRL /crl, CA certificate /ca.cer), data ${v.data ?? DEFAULT_CA_CONFIG.dataDir}`)
    console.log(`registrations: ${n.registrations}, certificates: ${n.certificates}, revoked: ${n.revoked}`)
}

function registerCommand(argv: string[]): void {
    const v = options(argv, ["data", "name", "phone", "out"])
    const dataDir = v.data ?? DEFAULT_CA_CONFIG.dataDir
    const name = v.name ?? fail("--name is required")
    const phone = v.phone ?? fail("--phone is required")
    const { store } = openData(dataDir)
    try {
        const { reference, mailer } = register(store, name, phone, (ref) => v.out ?? join(dataDir, "..", "ca-mailers", `${ref}.txt`))
        console.log(`registered: reference number ${reference}; enrolment letter with the one-time secret: ${mailer} (mode 0600)`)
    } catch (e) {
        fail(runtimeMessage(e), e instanceof RegistrationError ? 2 : 1)
    } finally {
        store.close()
    }
}

function revokeCommand(argv: string[]): void {
    const v = options(argv, ["data", "serial", "reason"])
    const serial = normaliseSerial(v.serial ?? fail("--serial is required")) ?? fail("--serial must be hexadecimal (colons allowed)")
    const reasonName = (v.reason ?? "unspecified") as CrlReasonName
    const reason = CRL_REASON[reasonName] ?? fail(`--reason must be one of ${Object.keys(CRL_REASON).join(", ")}`)
    const { store } = openData(v.data ?? DEFAULT_CA_CONFIG.dataDir)
    try {
        const changed = store.revoke(serial, reason)
        console.log(changed ? `certificate ${serial} revoked (${reasonName})` : `certificate ${serial} was already revoked`)
    } catch (e) {
        fail(runtimeMessage(e), e instanceof CaStateError ? 2 : 1)
    } finally {
        store.close()
    }
}

const [command, ...args] = process.argv.slice(2)
try {
    if (command === undefined || command.startsWith("--")) {
        if (command === "--help") console.log(USAGE)
        else await serve(process.argv.slice(2))
    } else if (command === "serve") await serve(args)
    else if (command === "register") registerCommand(args)
    else if (command === "revoke") revokeCommand(args)
    else fail(USAGE)
} catch (e) {
    fail(runtimeMessage(e), 1)
}
