// The simulated terminals of the server benchmark: each terminal has its own UDP socket and its own
// cards (the real card logic), and pays, or only authenticates, in a loop. They run in a process
// of their own (bench/fleet-process.ts), so that the server's process CPU is the server's alone.

import { nodeRandomBytes as randomBytes } from "../sim/node-platform"
import { performance } from "node:perf_hooks"
import { RadiusClient } from "../sim/radius/client"
import { RadiusUplink } from "../src/terminal/radius-uplink"
import type { InProcessCard } from "../sim/card/in-process-card"
import { TerminalRelay } from "../src/terminal/terminal-relay"
import type { CardProfile } from "../sim/server/provision"
import { BENCH_PIN, benchCards } from "./bench-setup"
import { authCard, authenticate, authTerminal, type AuthCard, type AuthCardProfile, type AuthTerminal } from "./auth-exchange"

/** Payments: every terminal pays in a row, all terminals at once (a closed loop). */
export interface PaymentJob {
    kind: "pay"
    port: number
    secret: string
    terminalId: string
    prime: boolean
    /** Card profiles per terminal. */
    fleets: CardProfile[][]
    /** Payments per terminal before the measured ones, so that both sides' code is compiled (JIT) when timing starts. */
    warmupPerTerminal: number
    paymentsPerTerminal: number
}

/** Authentications without a payment, started at a fixed rate (0: as fast as the terminals go). */
export interface AuthJob {
    kind: "auth"
    port: number
    secret: string
    terminalId: string
    prime: boolean
    fleets: AuthCardProfile[][]
    /** The server sends the MSK as MS-MPPE keys in its Access-Accept (hostapd does; the payment server never does). */
    requireKeys: boolean
    ratePerSecond: number
    warmup: number
    count: number
}

export type LoadJob = PaymentJob | AuthJob

export interface LoadResult {
    approved: number
    /** The first few failures' messages. */
    failures: string[]
    failureCount: number
    latencies: number[]
    /** Authentication only: Access-Requests sent, exchanges whose MS-MPPE keys were the card's MSK, resynchronisations (AUTS). */
    roundTrips: number
    keysMatched: number
    resyncs: number
}

/** A simulated terminal: its cards and its uplink to the payment server. */
export interface BenchTerminal {
    cards: InProcessCard[]
    uplink: RadiusUplink
}

export interface PayingTerminal extends BenchTerminal {
    client: RadiusClient
}

export async function connectPaying(job: PaymentJob): Promise<PayingTerminal[]> {
    return await Promise.all(
        job.fleets.map(async (profiles) => {
            const cards = benchCards(profiles, job.prime)
            const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: job.port, secret: Buffer.from(job.secret, "utf8"), timeoutMs: 3000, retries: 3 })
            return { cards, client, uplink: new RadiusUplink(client, job.terminalId) }
        }),
    )
}

export interface AuthenticatingTerminal {
    terminal: AuthTerminal
    cards: AuthCard[]
    next: number
}

/**
 * Each terminal's first card starts with its SQN well ahead of any server's, so that its first
 * exchange (in the warm-up) goes through a resynchronisation: AUTS, then a second challenge.
 */
export const STALE_SEQ = 1000

export async function connectAuthenticating(job: AuthJob): Promise<AuthenticatingTerminal[]> {
    return await Promise.all(
        job.fleets.map(async (profiles) => ({
            terminal: await authTerminal(job.port, job.secret, job.terminalId),
            cards: profiles.map((p, i) => authCard(i === 0 ? { ...p, seqMs: p.seqMs.map(() => STALE_SEQ) } : p, job.prime)),
            next: 0,
        })),
    )
}

/** Between two polls the load thread sleeps this long (a timed futex wait, not epoll). */
export const NAP_MS = 0.1

/**
 * Keeps this thread polling for replies while the terminals wait, napping NAP_MS between polls.
 * On loopback a datagram to a thread asleep in epoll_wait makes the sender's send() wake it, which
 * costs the server's thread about 20 µs per reply on a virtual machine; replies to real terminals
 * cost no such wake-up. A thread that polls is never woken that way: between polls it sleeps on a
 * timer of its own. Polling without the nap avoided the wake-ups too, but kept this thread on a
 * core even with nothing to do, so the GC helper threads and the file-system pool took their time
 * from the server's thread instead. Alternated with busy polling in four rounds, a 0.05 ms nap did
 * 1.03x (EAP-AKA') and 1.15x (EAP-AKA); 0.1 ms did better than 0.02 and 0.05 ms.
 */
function pollWhile(active: () => boolean): void {
    const nap = new Int32Array(new SharedArrayBuffer(4))
    const poll = () => {
        if (!active()) return
        Atomics.wait(nap, 0, 0, NAP_MS)
        setImmediate(poll)
    }
    poll()
}

/** Runs `work` with this thread polling for the replies (pollWhile). */
export async function polling<T>(work: () => Promise<T>): Promise<T> {
    let running = true
    pollWhile(() => running)
    try {
        return await work()
    } finally {
        running = false
    }
}

function emptyResult(): LoadResult {
    return { approved: 0, failures: [], failureCount: 0, latencies: [], roundTrips: 0, keysMatched: 0, resyncs: 0 }
}

function fail(r: LoadResult, message: string): void {
    r.failureCount++
    if (r.failures.length < 5) r.failures.push(message)
}

/** Every terminal pays `count` times in a row, all terminals at once. */
export async function payAll(terminalId: string, terminals: BenchTerminal[], count: number): Promise<LoadResult> {
    const r = emptyResult()
    await Promise.all(
        terminals.map(async (t) => {
            for (let i = 0; i < count; i++) {
                const relay = new TerminalRelay(t.cards[i % t.cards.length], t.uplink, randomBytes)
                const s = performance.now()
                const o = await relay.pay({ amount: 1000 + i, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId, transactionId: randomBytes(8) }, BENCH_PIN)
                r.latencies.push(performance.now() - s)
                if (o.approved) r.approved++
                else fail(r, o.message)
            }
        }),
    )
    return r
}

/**
 * `count` authentications started at `ratePerSecond` over all terminals (0: each terminal starts
 * its next as soon as its last ends), one at a time per terminal, its cards in turn; resolves
 * when all have ended.
 */
export async function authAll(terminals: AuthenticatingTerminal[], count: number, ratePerSecond: number, requireKeys: boolean): Promise<LoadResult> {
    const r = emptyResult()
    if (count === 0) return r
    const idle = [...terminals]
    let started = 0
    let ended = 0
    const t0 = performance.now()
    return await new Promise<LoadResult>((resolve) => {
        let timer: NodeJS.Timeout | null = null
        const run = async (t: AuthenticatingTerminal) => {
            const card = t.cards[t.next++ % t.cards.length]
            const s = performance.now()
            try {
                const o = await authenticate(card, t.terminal, requireKeys)
                r.roundTrips += o.roundTrips
                if (o.keysMatched) r.keysMatched++
                if (o.resynchronised) r.resyncs++
                if (o.ok) {
                    r.approved++
                    r.latencies.push(performance.now() - s)
                } else fail(r, o.failure)
            } catch (e) {
                fail(r, "exception: " + (e as Error).message)
            }
            idle.push(t)
            if (++ended === count) {
                if (timer) clearInterval(timer)
                resolve(r)
            } else if (ratePerSecond === 0) startDue()
        }
        const startDue = () => {
            const due = ratePerSecond === 0 ? count : Math.min(count, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond) + 1)
            while (started < due && idle.length > 0) {
                started++
                void run(idle.shift()!)
            }
        }
        if (ratePerSecond > 0) timer = setInterval(startDue, 2)
        startDue()
    })
}
