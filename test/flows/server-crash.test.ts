// The payment server killed with SIGKILL under load, three times, and restarted on the same data
// folder: afterwards every approval a terminal received is in the ledger once and final, no
// approval number repeats, nothing is left provisional or pending, and each card's balance is its
// initial balance minus its final approvals. A terminal whose answer was lost after the server may
// have decided (a kill, or one Access-Accept in ten dropped on purpose) asks for the outcome
// (status inquiry, retried while the server is down), so for every transaction ID the terminal's
// final view equals the ledger's: approved with the same approval number exactly when the ledger
// holds a final approval. Real processes: `npm run server`'s entry point, and in-process cards
// paying over RADIUS/UDP from this one.

import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, test } from "vitest"
import { InProcessCard } from "../../sim/card/in-process-card"
import { RadiusClient } from "../../sim/radius/client"
import { openServerStore } from "../../sim/server/open-store"
import { provisionCard, provisionTerminal, type CardProfile, type TerminalConfig } from "../../sim/server/provision"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { inquiryPolicy, TerminalRelay, UplinkError, type UplinkPort } from "../../src/terminal/terminal-relay"
import { freePort } from "../support/free-port"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const CARDS = 8
const BALANCE = 10_000_000

const cleanup: (() => void)[] = []
afterEach(() => {
    for (const f of cleanup.splice(0)) f()
})


/** Starts the server process; resolves with it and its output so far once it listens. */
async function serve(data: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, ["--import", "tsx", "sim/server/main.ts", "serve", "--data", data, "--udp-port", String(port), "--tcp-port", String(port)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    cleanup.push(() => child.kill("SIGKILL"))
    let out = ""
    await new Promise<void>((ok, fail) => {
        const onData = (d: Buffer) => {
            out += d.toString()
            if (/ledger entries: \d+/.test(out)) ok()
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.on("exit", (code) => fail(new Error(`server exited with ${code}: ${out}`)))
    })
    return { child, output: () => out }
}

interface Approval {
    cardId: string
    txid: string
    amount: number
    approvalNumber: string
}

/** What the terminal finally showed for one transaction ID it sent. */
interface TerminalView {
    approved: boolean
    approvalNumber: string
    message: string
    /** Status inquiries it made for it. */
    inquiries: number
}

/** Every card pays in a loop (one payment at a time per card, all cards at once) until `stop()`. */
function load(port: number, terminal: TerminalConfig, cards: InProcessCard[], approvals: Approval[], views: Map<string, TerminalView>) {
    let running = true
    const clients: RadiusClient[] = []
    const done = Promise.all(
        cards.map(async (card) => {
            const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port, secret: Buffer.from(terminal.secret, "utf8"), timeoutMs: 500, retries: 1 })
            clients.push(client)
            const radius = new RadiusUplink(client, terminal.terminalId)
            let inquiries = 0
            let accepts = 0
            const uplink: UplinkPort = {
                // Besides the kills, one Access-Accept in ten is lost on its way (a lost datagram).
                send: async (eap, state, payment) => {
                    const reply = await radius.send(eap, state, payment)
                    if (reply.kind === "accept" && ++accepts % 10 === 0) throw new UplinkError("answer lost")
                    return reply
                },
                inquire: (transactionId) => {
                    inquiries++
                    return radius.inquire(transactionId)
                },
            }
            const relay = new TerminalRelay(card, uplink, (n) => randomBytes(n), false, inquiryPolicy((ms) => new Promise((r) => setTimeout(r, ms))))
            while (running) {
                const amount = 1 + Math.floor(Math.random() * 5000)
                const transactionId = randomBytes(8)
                inquiries = 0
                const outcome = await relay.pay({ amount, currency: 410, installments: 0, merchantId: terminal.merchantId, terminalId: terminal.terminalId, transactionId }, "2580").catch(() => null)
                const txid = transactionId.toString("hex")
                views.set(txid, { approved: outcome?.approved ?? false, approvalNumber: outcome?.approvalNumber ?? "", message: outcome?.message ?? "(threw)", inquiries })
                if (outcome?.approved) approvals.push({ cardId: card.flash.profile.cardId, txid, amount, approvalNumber: outcome.approvalNumber })
                else await new Promise((r) => setTimeout(r, 20)) // the server is down: try again shortly
            }
        }),
    )
    return {
        async stop() {
            running = false
            await done
            for (const c of clients) await c.close()
        },
    }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms
    while (!cond()) {
        if (Date.now() > end) throw new Error("timed out")
        await new Promise((r) => setTimeout(r, 10))
    }
}

describe("payment server crash", () => {
    test("kill -9 under load, three times: every approval received is final once, balances = initial - final approvals, each terminal's final view = the ledger", async () => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-crash-"))
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
        const data = join(dir, "server")
        const port = await freePort()
        const store = await openServerStore(data)
        const profiles: CardProfile[] = []
        for (let i = 0; i < CARDS; i++) {
            const { profile } = await provisionCard(store, { cardId: `CRASH${i}00`, pan: `94001111000000${String(i).padStart(2, "0")}`, holder: "CRASH", currency: 410, balance: BALANCE, limit: 1_000_000, pin: "2580", realm: "pay.activecard.example", networkName: "", noPinLimit: 1_000_000 })
            profiles.push(profile)
        }
        const terminal = await provisionTerminal(store, "127.0.0.1", "TERMCRSH", "MERCHANT0001", "127.0.0.1", port)
        await store.close()
        const cards = profiles.map((p) => InProcessCard.fromProfile(p, { preferPrime: true, allowAka: true, networkName: "", usePseudonyms: false }))

        const approvals: Approval[] = []
        const views = new Map<string, TerminalView>()
        const logs: string[] = []
        const traffic = load(port, terminal, cards, approvals, views)
        for (let crash = 1; crash <= 3; crash++) {
            const server = await serve(data, port)
            const target = approvals.length + 60
            await until(() => approvals.length >= target, 60_000)
            server.child.kill("SIGKILL")
            await new Promise((r) => server.child.once("exit", r))
            logs.push(server.output())
        }
        const last = await serve(data, port)
        const target = approvals.length + 20
        await until(() => approvals.length >= target, 60_000)
        await traffic.stop()
        last.child.kill("SIGTERM")
        await new Promise((r) => last.child.once("exit", r))
        logs.push(last.output())

        const after = await openServerStore(data)
        cleanup.push(() => void after.close())
        const ledger = await after.ledger()
        const byTxid = new Map(ledger.map((r) => [r.txid, r]))
        for (const a of approvals) {
            const r = byTxid.get(a.txid)
            expect(r, a.txid).toBeDefined()
            expect(r!.state).toBe("final")
            expect(r!.result.approvalNumber).toBe(a.approvalNumber)
            expect(r!.amount).toBe(a.amount)
        }
        expect(ledger.filter((r) => r.state === "provisional")).toHaveLength(0)
        const final = ledger.filter((r) => r.state === "final" && r.result.responseCode === "00")
        expect(final.length).toBeGreaterThanOrEqual(approvals.length)
        expect(new Set(final.map((r) => r.result.approvalNumber)).size).toBe(final.length)
        for (const p of profiles) {
            const spent = final.filter((r) => r.cardId === p.cardId).reduce((s, r) => s + r.amount, 0)
            expect((await after.card(p.cardId))!.balance, p.cardId).toBe(BALANCE - spent)
        }
        expect((await after.counts()).pending).toBe(0)

        // The terminal's final view equals the ledger for every transaction ID: each one the
        // terminal sent and the ledger holds, approved (same number) exactly when final and 00.
        const askedFor = [...views.values()].filter((v) => v.inquiries > 0)
        const learned = askedFor.filter((v) => v.approved).length
        expect([...views.values()].filter((v) => /OUTCOME UNKNOWN|threw/.test(v.message))).toEqual([])
        for (const r of ledger) {
            const v = views.get(r.txid)
            expect(v, `ledger ${r.txid} was sent by a terminal`).toBeDefined()
            const approvedInLedger = r.state === "final" && r.result.responseCode === "00"
            expect({ txid: r.txid, approved: v!.approved, approvalNumber: v!.approved ? v!.approvalNumber : "" }).toEqual({ txid: r.txid, approved: approvedInLedger, approvalNumber: approvedInLedger ? r.result.approvalNumber : "" })
        }
        for (const [txid, v] of views) if (v.approved) expect(byTxid.get(txid)?.state, txid).toBe("final")
        expect(final.length).toBe(approvals.length)
        expect(learned, "approvals whose Access-Accept was lost, learned by inquiry").toBeGreaterThan(0)
        // What the restarts found in flight and resolved (how much depends on where each kill fell).
        console.log(
            `crash test: ${approvals.length} approvals received (${learned} learned by inquiry), ${final.length} final in the ledger, ${ledger.filter((r) => r.state === "reversed").length} reversed; ` +
                `${askedFor.length} transactions in doubt asked about (${askedFor.reduce((n, v) => n + v.inquiries, 0)} inquiries); ` +
                logs.flatMap((l) => l.split("\n").filter((x) => /reversed|removed/.test(x) && !/inquiry/.test(x))).join("; "),
        )
    }, 240_000)
})
