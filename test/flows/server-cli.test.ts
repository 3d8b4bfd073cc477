// The README's walk-through with the real commands (what `npm run provision`, `npm run server` and
// `npm run pay` run): issue a card and register a terminal, start the server on free ports, pay
// over RADIUS/TCP and over UDP, stop it with SIGTERM, start it again on the same data (the ledger is
// still there). A wrong option gets a usage line and exit code 2, not a stack trace.

import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, test } from "vitest"
import { freePort } from "../support/free-port"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const MAIN = "sim/server/main.ts"
const PAY = "sim/terminal/pay-cli.ts"

const dirs: string[] = []
const servers: ChildProcess[] = []
afterEach(() => {
    for (const s of servers.splice(0)) if (s.exitCode === null) s.kill("SIGKILL")
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function run(script: string, args: string[]): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 })
    return { status: r.status, out: r.stdout + r.stderr }
}


/** Starts `serve` and resolves with its output once it says it is listening. */
async function serve(data: string, port: number): Promise<{ child: ChildProcess; banner: string }> {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--data", data, "--udp-port", String(port), "--tcp-port", String(port)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    servers.push(child)
    let out = ""
    const banner = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error("server did not start: " + out)), 30_000)
        const onData = (d: Buffer) => {
            out += d.toString()
            if (/ledger entries: \d+/.test(out)) {
                clearTimeout(timer)
                ok(out)
            }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.on("exit", (code) => fail(new Error(`server exited with ${code}: ${out}`)))
    })
    return { child, banner }
}

async function stop(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)))
    child.kill("SIGTERM")
    return await exited
}

describe("server command line", () => {
    test("provision a card and a terminal, serve, pay over TCP and UDP, stop, serve again", async () => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-cli-"))
        dirs.push(dir)
        const data = join(dir, "server")
        const cardFile = join(dir, "card.json")
        const terminalFile = join(dir, "terminal.json")
        const pan = "9400555566667777"

        const card = run(MAIN, ["provision", "card", "--card-id", "CLI00001", "--pan", pan, "--pin", "2580", "--balance", "1000000", "--data", data, "--out", cardFile])
        expect(card.status, card.out).toBe(0)
        expect(card.out).toContain("card CLI00001 issued")
        const profile = JSON.parse(readFileSync(cardFile, "utf8"))
        // Secrets only in the files: never on the console.
        for (const secret of [profile.k, profile.opc, pan]) expect(card.out).not.toContain(secret)

        const port = await freePort()
        const terminal = run(MAIN, ["provision", "terminal", "--terminal-id", "TERMCLI1", "--merchant-id", "SHOPCLI1", "--server-port", String(port), "--data", data, "--out", terminalFile])
        expect(terminal.status, terminal.out).toBe(0)
        expect(terminal.out).not.toContain(JSON.parse(readFileSync(terminalFile, "utf8")).secret)

        const first = await serve(data, port)
        expect(first.banner).toContain("cards: 1, terminals: 1, ledger entries: 0")
        const tcp = run(PAY, ["--card", cardFile, "--terminal", terminalFile, "--amount", "15000", "--installments", "3", "--pin", "2580"])
        expect(tcp.status, tcp.out).toBe(0)
        expect(tcp.out).toMatch(/PAY 15000 \(410\) x3 AT SHOPCLI1 .*APPROVED \d{6}/)
        const udp = run(PAY, ["--card", cardFile, "--terminal", terminalFile, "--amount", "2500", "--pin", "2580", "--udp"])
        expect(udp.status, udp.out).toBe(0)
        expect(udp.out).toMatch(/APPROVED \d{6}/)
        for (const secret of [profile.k, profile.opc, pan]) expect(tcp.out + udp.out).not.toContain(secret)
        expect(await stop(first.child)).toBe(0)

        const second = await serve(data, port)
        expect(second.banner).toContain("cards: 1, terminals: 1, ledger entries: 2")
        expect(await stop(second.child)).toBe(0)
    }, 120_000)

    test("an unknown or incomplete option: a usage line and exit code 2, no stack trace", () => {
        // Each command is a Node start-up with the TypeScript loader (about a second of CPU): a few, not every case.
        for (const args of [["serve", "--udp-port"], ["provision", "card", "--nope"]]) {
            const r = run(MAIN, args)
            expect(r.status, args.join(" ")).toBe(2)
            expect(r.out).toContain("usage: npm run")
            expect(r.out).not.toMatch(/\n\s+at /)
        }
        // A card number typed with spaces: refused without echoing any of it.
        const stray = run(MAIN, ["provision", "card", "--card-id", "CLI00002", "--pan", "9400", "5555", "6666", "7777"])
        expect(stray.status).toBe(2)
        expect(stray.out).toContain("an argument without an option before it")
        for (const part of ["5555", "6666", "7777"]) expect(stray.out).not.toContain(part)
        const help = run(MAIN, ["serve", "--help"])
        expect(help.status).toBe(0)
        expect(help.out).toContain("usage: npm run server")
        expect(help.out).toContain("--tls-cert FILE --tls-key FILE --tls-ca FILE")
        // EAP-TLS needs all three files.
        const halfTls = run(MAIN, ["serve", "--tls-cert", "server.pem"])
        expect(halfTls.status).toBe(2)
        expect(halfTls.out).toContain("--tls-cert, --tls-key and --tls-ca go together")
    }, 120_000)

    test("refused input and run-time failures: one line each, a non-zero exit code, no stack trace; --help for each command", async () => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-cli-"))
        dirs.push(dir)
        const data = join(dir, "server")
        const oneLine = (r: { status: number | null; out: string }, status: number, pattern: RegExp) => {
            expect(r.status, r.out).toBe(status)
            expect(r.out.trim().split("\n"), r.out).toHaveLength(1)
            expect(r.out).toMatch(pattern)
        }
        const card = ["provision", "card", "--card-id", "CLI00003", "--pan", "9400555566668888", "--data", data]
        oneLine(run(MAIN, [...card, "--balance", "0x10"]), 2, /--balance must be a whole number in decimal digits/)
        oneLine(run(MAIN, [...card, "--balance", "99999999999999999999"]), 2, /--balance must be 0\.\.999999999999/)
        oneLine(run(MAIN, [...card, "--currency", "99999"]), 2, /currency must be 1\.\.999/)
        oneLine(run(MAIN, [...card, "--currency", "999"]), 2, /not an ISO 4217 numeric code/)
        const pay = ["--card", join(dir, "card.json"), "--terminal", join(dir, "terminal.json"), "--pin", "2580"]
        oneLine(run(PAY, [...pay, "--amount", "0x10"]), 2, /amount must be a whole number in decimal digits/)
        oneLine(run(PAY, [...pay, "--amount", "0"]), 2, /amount must be 1\.\.999999999999/)
        oneLine(run(PAY, [...pay, "--amount", "100"]), 2, /cannot read the card file/)
        for (const [script, args, usage] of [[PAY, ["--help"], "npm run pay"], [MAIN, ["provision", "--help"], "npm run provision"], [MAIN, ["--help"], "npm run server"]] as const) {
            const r = run(script, [...args])
            expect(r.status).toBe(0)
            expect(r.out).toContain(`usage: ${usage}`)
        }
        // A second server on the same data folder, a port in use, a folder that lost its database.
        const port = await freePort()
        const first = await serve(data, port)
        oneLine(run(MAIN, ["serve", "--data", data, "--udp-port", "0", "--tcp-port", "0"]), 1, /^error: another payment server is running on data folder/)
        oneLine(run(MAIN, ["serve", "--data", join(dir, "other"), "--udp-port", String(port), "--tcp-port", String(port)]), 1, new RegExp(`^error: port ${port} on 127.0.0.1 is already in use`))
        expect(await stop(first.child)).toBe(0)
        rmSync(join(data, "server.db"))
        oneLine(run(MAIN, ["serve", "--data", data]), 1, /the database is missing/)
    }, 120_000)
})
