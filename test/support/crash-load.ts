// What the crash and fault tests share: server processes started with `npm run server`'s entry
// point, a fleet of in-process cards paying in a loop over RADIUS/UDP, a watch on every SQN the
// servers issue (decoded from each challenge with the card's keys), and the checks that must hold
// afterwards: every approval a terminal received is in the ledger once and final, no approval
// number repeats, nothing is left provisional or pending, each card's balance is its initial
// balance minus its final approvals, and no SQN was issued twice; with answers lost and status
// inquiries, each terminal's final view of every transaction ID equals the ledger's.

import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import { InProcessCard } from "../../sim/card/in-process-card"
import type { ServerStorage } from "../../sim/db/storage"
import { RadiusClient } from "../../sim/radius/client"
import type { CardProfile, TerminalConfig } from "../../sim/server/provision"
import { f2f5, milenageKey, milenageTemp } from "../../src/crypto/milenage"
import { readUIntBE, xor } from "../../src/bytes"
import { CONTEXT_REQUEST, decodeAkaMessage, SUBTYPE_CHALLENGE } from "../../src/eap/aka-attributes"
import { EAP_REQUEST, EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { inquiryPolicy, TerminalRelay, UplinkError, type UplinkPort } from "../../src/terminal/terminal-relay"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

export interface Approval {
    cardId: string
    txid: string
    amount: number
    approvalNumber: string
}

/** Starts `serve` with `args`; resolves with the process and its output so far once it listens. */
export async function serve(args: string[], cleanup: (() => void)[]): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(process.execPath, ["--import", "tsx", "sim/server/main.ts", "serve", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    cleanup.push(() => child.kill("SIGKILL"))
    let out = ""
    const onData = (d: Buffer) => (out += d.toString())
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    await new Promise<void>((ok, fail) => {
        const check = () => (/ledger entries: \d+/.test(out) ? ok() : undefined)
        child.stdout!.on("data", check)
        child.stderr!.on("data", check)
        child.once("exit", (code) => fail(new Error(`server exited with ${code}: ${out}`)))
    })
    return { child, output: () => out }
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once("exit", r))
    child.kill(signal)
    await exited
}

export async function until(cond: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms
    while (!cond()) {
        if (Date.now() > end) throw new Error("timed out")
        await new Promise((r) => setTimeout(r, 10))
    }
}

/** Every SQN the servers put in a challenge, per card, with the RAND it came with (a retransmitted challenge repeats both). */
export class SqnWatch {
    private readonly seen = new Map<string, Map<number, string>>()
    reused = 0
    issued = 0

    /** Wraps the card so that each challenge it receives is decoded with its K and OPc. */
    watch(card: InProcessCard): InProcessCard {
        const p = card.flash.profile
        const key = milenageKey(Buffer.from(p.k, "hex"), Buffer.from(p.opc, "hex"))
        const bySqn = new Map<number, string>()
        this.seen.set(p.cardId, bySqn)
        const inner = card.eap.bind(card)
        card.eap = async (req: Buffer) => {
            if (req.length > 8 && req[0] === EAP_REQUEST && (req[4] === EAP_TYPE_AKA || req[4] === EAP_TYPE_AKA_PRIME) && req[5] === SUBTYPE_CHALLENGE) {
                const m = decodeAkaMessage(req.subarray(5), CONTEXT_REQUEST, req[4] === EAP_TYPE_AKA_PRIME)
                const r = m.rand
                const autn = m.autn
                if (r !== undefined && autn !== undefined) {
                    const ak = f2f5(key, milenageTemp(key, r)).ak
                    const sqn = readUIntBE(xor(autn.subarray(0, 6), ak), 0, 6)
                    const before = bySqn.get(sqn)
                    if (before === undefined) {
                        bySqn.set(sqn, r.toString("hex"))
                        this.issued++
                    } else if (before !== r.toString("hex")) this.reused++
                }
            }
            return inner(req)
        }
        return card
    }
}

/** What the terminal finally showed for one transaction ID it sent. */
export interface TerminalView {
    approved: boolean
    approvalNumber: string
    message: string
    /** Status inquiries it made for it. */
    inquiries: number
}

/**
 * Every card pays in a loop (one payment at a time per card, all cards at once) to `port` until
 * `stop()`. With `views`, besides what the kills lose, one Access-Accept in ten is lost on its way
 * (a lost datagram); a terminal in doubt asks for the outcome (status inquiry, with the terminal's
 * backoff, so retried while the server is down) and its final view of each transaction ID is
 * recorded there.
 */
export function load(port: number, terminal: TerminalConfig, cards: InProcessCard[], approvals: Approval[], views?: Map<string, TerminalView>) {
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
                send: async (eap, state, payment) => {
                    const reply = await radius.send(eap, state, payment)
                    if (views !== undefined && reply.kind === "accept" && ++accepts % 10 === 0) throw new UplinkError("answer lost")
                    return reply
                },
                inquire: (transactionId) => {
                    inquiries++
                    return radius.inquire(transactionId)
                },
            }
            const policy = views !== undefined ? inquiryPolicy((ms) => new Promise((r) => setTimeout(r, ms))) : null
            const relay = new TerminalRelay(card, uplink, (n) => randomBytes(n), false, policy)
            while (running) {
                const amount = 1 + Math.floor(Math.random() * 5000)
                const transactionId = randomBytes(8)
                inquiries = 0
                const outcome = await relay.pay({ amount, currency: 410, installments: 0, merchantId: terminal.merchantId, terminalId: terminal.terminalId, transactionId }, "2580").catch(() => null)
                const txid = transactionId.toString("hex")
                views?.set(txid, { approved: outcome?.approved ?? false, approvalNumber: outcome?.approvalNumber ?? "", message: outcome?.message ?? "(threw)", inquiries })
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

/**
 * The terminal's final view equals the ledger for every transaction ID: each one the ledger holds
 * was sent by a terminal, which shows it approved (same number) exactly when it is final and 00;
 * no terminal was left not knowing. Returns how many were in doubt, asked about, and learned.
 */
export async function checkViews(store: ServerStorage, views: Map<string, TerminalView>, approvals: Approval[]): Promise<{ askedFor: number; inquiries: number; learned: number }> {
    const ledger = await store.ledger()
    const byTxid = new Map(ledger.map((r) => [r.txid, r]))
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
    expect(ledger.filter((r) => r.state === "final" && r.result.responseCode === "00").length).toBe(approvals.length)
    expect(learned, "approvals whose Access-Accept was lost, learned by inquiry").toBeGreaterThan(0)
    return { askedFor: askedFor.length, inquiries: askedFor.reduce((n, v) => n + v.inquiries, 0), learned }
}

/** The checks that must hold once every server has stopped and every exchange is resolved; returns the ledger's figures. */
export async function checkLedger(store: ServerStorage, approvals: Approval[], profiles: CardProfile[], balance: number): Promise<{ final: number; reversed: number }> {
    const ledger = await store.ledger()
    const byTxid = new Map(ledger.map((r) => [r.txid, r]))
    expect(byTxid.size).toBe(ledger.length)
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
        expect((await store.card(p.cardId))!.balance, p.cardId).toBe(balance - spent)
    }
    expect((await store.counts()).pending).toBe(0)
    return { final: final.length, reversed: ledger.filter((r) => r.state === "reversed").length }
}
