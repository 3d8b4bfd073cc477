// Server-side benchmark, over RADIUS/UDP on loopback, from 128 simulated terminals (each with its
// own socket and 4 cards running the real card logic) in a process of their own:
// - approved durable payments per second, EAP-AKA' and EAP-AKA, on SQLite and (when a URL is
//   given) PostgreSQL, every payment approved and final in the durable ledger before the terminal
//   hears of it; each run with the hypervisor's steal and the share of the machine other processes
//   took during it, then per method and engine the median, every run, and how many met the target;
// - the server process's CPU per approved payment (all its threads; the fleet is elsewhere);
// - beside it, authentication only (no payment) against the payment server and against hostapd
//   as a RADIUS EAP-AKA / EAP-AKA' server (bench/hostapd-peer.ts), the same fleet at the same
//   rate: each server's process CPU per authentication, and the ratio; then the payment server
//   unpaced (its cost per authentication when group commit has several to share a commit).
//
//   npm run bench:server -- [--runs N] [--only payments|peer] [--profile] [--in-process]
//   --runs N        rounds of payments (default 5) and pairs of authentication runs (default 3, at most N)
//   --only ...      only the payment rounds, or only the comparison with hostapd
//   --profile       where the payment server's thread spends its time (a CPU profile; slower)
//   --in-process    after each payment run, the same payments in one thread without sockets
// PostgreSQL: ACTIVECARD_BENCH_PG_URL (or ACTIVECARD_DB_URL) names a server where the benchmark
// may create and drop a database for each run.

import { cpus, loadavg, tmpdir } from "node:os"
import { mkdtempSync, rmSync } from "node:fs"
import { createSocket } from "node:dgram"
import { join } from "node:path"
import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import { randomBytes } from "node:crypto"
import { benchPostgresUrl, openBenchServer, postgresSkipReason, SQLITE, type BenchEngine } from "./bench-setup"
import { benchInProcess, type InProcessResult } from "./in-process-bench"
import type { AuthCardProfile } from "./auth-exchange"
import { startFleet } from "./fleet"
import type { FleetResult } from "./fleet-process"
import { HlrGateway, serveHlr } from "./hlr-gateway"
import { hostapdBinary, startHostapd } from "./hostapd-peer"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../src/eap/eap-packet"
import { ServerProfiler } from "./profile-categories"
import { threadCpu, threadTimes, type ThreadTimes } from "./thread-cpu"
import { busyMicros, cpuTicks, stealShare } from "./cpu-steal"
import { median } from "./median"
import { cpuPer, procCpu, type ProcCpu } from "./proc-cpu"
import { sqlCounter, type SqlCounts } from "./sql-count"

/** The throughput target on this 2-core machine, for each method. */
const TARGET_PER_SECOND = 2000

const TERMINALS = 128
const CARDS_PER_TERMINAL = 4
const PAYMENTS_PER_TERMINAL = 100

/**
 * Untimed payments per terminal before the measured ones, so that what is timed is the steady
 * state: both sides' code optimised by the JIT, the heap grown to its working size. Alternated
 * runs measured 30 at +12% over 10 (a first run in a fresh process was the slowest), and 60 no
 * clear gain over 30.
 */
export const WARMUP_PER_TERMINAL = 30

/**
 * Authentication only, against the payment server and against hostapd: this many per second from
 * the whole fleet. hostapd's RADIUS server keeps at most 1,000 sessions and a finished one for 5 s
 * more (RADIUS_MAX_SESSION and RADIUS_SESSION_MAINTAIN in its radius_server.c, compile-time
 * constants): above 200 exchanges a second it refuses new ones. Both servers get the same load.
 */
export const PEER_RATE = 160
const PEER_PAIRS = 3

/**
 * Untimed and timed authentications of a run: 10 s and 15 s at a paced rate; as many as a payment
 * run when unpaced. The untimed part lets V8 finish compiling the payment server's hot paths (with
 * 2 s, the first run of a series still spent 100-150 us per authentication in compiler threads,
 * the later ones 0-40); hostapd gets the same load.
 */
function authCounts(rate: number): { warmup: number; count: number } {
    if (rate === 0) return { warmup: TERMINALS * WARMUP_PER_TERMINAL, count: TERMINALS * PAYMENTS_PER_TERMINAL }
    return { warmup: 10 * rate, count: 15 * rate }
}

const methodName = (m: number) => (m === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA")
const us = (x: number) => `${x.toFixed(0)} us`
const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

interface Timed {
    total: number
    calls: number
}

/** One call in SAMPLE_EVERY is timed: timing every call (a promise and two clock reads each) cost the server thread about 2%. */
const SAMPLE_EVERY = 8

/** Wraps obj[name] to add the wall time of a sample of its calls to `t` (async methods: until the promise settles). */
function instrument(obj: any, name: string, t: Timed): void {
    const original = obj[name]
    let n = 0
    obj[name] = function (this: unknown) {
        if (n++ % SAMPLE_EVERY !== 0) return original.apply(this, arguments)
        const t0 = performance.now()
        const done = () => {
            t.total += performance.now() - t0
            t.calls++
        }
        const out = original.apply(this, arguments)
        out.then(done, done)
        return out
    }
}

/** What happened on the machine during a measured run: wall time, steal, this process's CPU and threads. */
class RunClock {
    private readonly t0 = performance.now()
    private readonly ticks0 = cpuTicks()
    private readonly cpu0 = process.cpuUsage()
    private readonly threads0 = threadTimes()

    stop() {
        const seconds = (performance.now() - this.t0) / 1000
        const ticks1 = cpuTicks()
        const cpu = process.cpuUsage(this.cpu0)
        const busy = this.ticks0 && ticks1 ? busyMicros(this.ticks0, ticks1) : null
        return {
            seconds,
            steal: this.ticks0 && ticks1 ? stealShare(this.ticks0, ticks1) : null,
            /**
             * Share (0..1) of the machine's CPU time that processes other than the benchmark's took
             * during the run (other work on this shared machine), given the benchmark's own CPU (µs).
             */
            others: (oursUs: number) => (busy === null ? null : Math.max(0, busy - oursUs) / (seconds * 1e6 * cpus().length)),
            /** This process's CPU, all threads, µs. */
            processUs: cpu.user + cpu.system,
            threads0: this.threads0,
            threads1: threadTimes(),
        }
    }
}

function stealText(steal: number | null, others: number | null): string {
    return (steal === null ? "steal unknown" : `${pct(steal)} steal`) + (others === null ? "" : `, ${pct(others)} taken by other processes`)
}

/** "(steal, others)" for a run in a summary. */
function conditions(r: { steal: number | null; others: number | null }): string {
    return `(${r.steal === null ? "?" : pct(r.steal)}, ${r.others === null ? "?" : pct(r.others)})`
}

export interface ServerBenchResult {
    method: string
    engine: string
    payments: number
    seconds: number
    perSecond: number
    p50: number
    p99: number
    approvedDurable: number
    /** The server process's CPU time (every thread) per approved payment, in µs. */
    cpuPerPayment: number
    /** Share (0..1) of the machine's CPU time the hypervisor gave to others during the run; null where unknown. */
    steal: number | null
    /** Share (0..1) of the machine's CPU time other processes took during the run; null where unknown. */
    others: number | null
    /** SQL statements per payment (PostgreSQL: each a round trip to the database server), and durable commits per payment. */
    statements: number
    commits: number
    breakdown: string[]
}

/** Statements run between two counts: SQLite's prepared statements, or PostgreSQL's queries. */
function statementsBetween(a: SqlCounts, b: SqlCounts, engine: string): number {
    return engine === "PostgreSQL" ? b.postgres - a.postgres : b.sqlite - a.sqlite
}

/** CPU (ns) of the database server's processes so far, by process ID, where they run on this machine. */
async function databaseCpu(pids: (() => Promise<number[]>) | null): Promise<Map<number, number>> {
    const out = new Map<number, number>()
    if (pids === null) return out
    for (const pid of await pids()) {
        const c = procCpu(pid)
        if (c !== null) out.set(pid, c.ns)
    }
    return out
}

/** CPU (ns) the database's processes used between two readings (a process that started in between: all of it). */
function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
    let ns = 0
    for (const [pid, now] of after) ns += now - (before.get(pid) ?? 0)
    return ns
}

export async function benchServer(method: number, engine: BenchEngine, withProfile = false): Promise<ServerBenchResult> {
    const { server, terminal, fleets, databasePids, close } = await openBenchServer(method, TERMINALS, CARDS_PER_TERMINAL, engine)
    let fleet: Awaited<ReturnType<typeof startFleet>> | null = null
    try {
        fleet = await startFleet({
            kind: "pay",
            port: server.udp.port,
            secret: terminal.secret,
            terminalId: terminal.terminalId,
            prime: method === EAP_TYPE_AKA_PRIME,
            fleets,
            warmupPerTerminal: WARMUP_PER_TERMINAL,
            paymentsPerTerminal: PAYMENTS_PER_TERMINAL,
        })
        const vector: Timed = { total: 0, calls: 0 }
        const decide: Timed = { total: 0, calls: 0 }
        const finalize: Timed = { total: 0, calls: 0 }
        // Before the warm-up: wrapping the methods changes the ports object's shape, and the code
        // optimised for the old one would be thrown away and recompiled during the timed run.
        instrument(server.ports, "vector", vector)
        instrument(server.ports, "decide", decide)
        instrument(server.ports, "finalize", finalize)
        const warm = await fleet.warmUp()
        if (warm.failureCount > 0) throw new Error(`${warm.failureCount} warm-up payments not approved: ` + warm.failures.join("; "))
        for (const t of [vector, decide, finalize]) t.total = t.calls = 0
        const commits0 = server.store.stats().commits
        const loop = monitorEventLoopDelay({ resolution: 10 })
        loop.enable()
        const profiler = withProfile ? new ServerProfiler() : null
        await profiler?.start()
        const sql = await sqlCounter()
        const sql0 = sql()
        const db0 = await databaseCpu(databasePids)
        const clock = new RunClock()
        const result: FleetResult = await fleet.run()
        const run = clock.stop()
        const db = databaseCpuBetween(db0, await databaseCpu(databasePids))
        const statements = statementsBetween(sql0, sql(), engine.name) / result.approved
        loop.disable()
        if (result.failureCount > 0) throw new Error(`${result.failureCount} payments not approved: ` + result.failures.join("; "))
        const payments = result.approved
        const profileLines = profiler ? await profiler.stop(payments, "payment") : []
        const durable = (await server.store.ledger()).filter((r) => r.state === "final" && r.result.responseCode === "00").length - TERMINALS * WARMUP_PER_TERMINAL
        const latencies = result.latencies.sort((a, b) => a - b)
        const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]
        const commits = server.store.stats().commits - commits0
        const cpuPerPayment = run.processUs / payments
        // Sampled calls: scaled back to all calls.
        const per = (t: Timed) => `${((t.total * SAMPLE_EVERY) / payments).toFixed(2)} ms/payment over ${((t.calls * SAMPLE_EVERY) / payments).toFixed(1)} calls`
        const breakdown = [
            `server process CPU ${us(cpuPerPayment)} per payment (${((run.processUs / 1000 / (run.seconds * 1000)) * 100).toFixed(0)}% of one core: ${fmt(1e6 / cpuPerPayment)} payments per core-second)` +
                threadLine(run.threads0, run.threads1, payments, run.seconds * 1000) +
                `; the simulated fleet's process ${us(result.cpuUs / payments)}` +
                (engine.name === "PostgreSQL" ? `; PostgreSQL's processes ${db > 0 ? us(db / 1000 / payments) : "not on this machine"}` : ""),
            `latency inside the server, waiting for the disk included: AuC vector ${per(vector)}; decision + durable ledger entry ${per(decide)}; finalize after the card's acknowledgement (durable) ${per(finalize)}`,
            `durable commits (${server.store.description.split(" ")[0]}): ${fmt(commits)} (${(commits / payments).toFixed(2)} per payment); SQL statements ${statements.toFixed(1)} per payment` +
                (engine.name === "PostgreSQL" ? " (each a round trip to PostgreSQL)" : " (in the process: no round trip)") +
                `; RADIUS round trips ${(result.roundTrips / payments).toFixed(2)} per payment`,
            `event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
            ...profileLines,
        ]
        return { method: methodName(method), engine: engine.name, payments, seconds: run.seconds, perSecond: payments / run.seconds, p50: at(50), p99: at(99), approvedDurable: durable, cpuPerPayment, steal: run.steal, others: run.others(run.processUs + result.cpuUs + db / 1000), statements, commits: commits / payments, breakdown }
    } finally {
        fleet?.kill()
        await close()
    }
}

/** How the server process's CPU splits between its main thread and the rest (V8's GC helpers and compiler, the file-system pool). */
function threadLine(before: ThreadTimes, after: ThreadTimes, units: number, wallMs: number): string {
    if (after.size === 0) return ""
    const t = threadCpu(before, after, "", units, wallMs)
    return `: server thread ${us(t.main)}, its helper threads ${us(t.others)}; the server thread waited for a core ${(t.mainWaited * 100).toFixed(0)}% of the time`
}

export function printServerBench(r: ServerBenchResult): void {
    console.log(
        `${r.method} on ${r.engine}: ${fmt(r.payments)} payments in ${r.seconds.toFixed(2)} s = ${fmt(r.perSecond)} approved durable payments/s (target ${fmt(TARGET_PER_SECOND)}) at ${stealText(r.steal, r.others)}; ` +
            `latency p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ${fmt(r.approvedDurable)} approvals final in the durable ledger`,
    )
    for (const line of r.breakdown) console.log("  " + line)
}

/** Beside a UDP run: the same payments in one thread without sockets, and what that leaves to the transport. */
function printInProcess(r: ServerBenchResult, p: InProcessResult): void {
    console.log(`  the same payments with both sides in one thread and no sockets (${fmt(p.approved)} approved, server called directly): ${us(p.cpuPerPayment)} of CPU per payment, server and cards together`)
}

/** In-process run: warm-up and measured payments per terminal (the card code has not run in this thread before). */
const IN_PROCESS_WARMUP = 20
const IN_PROCESS_PAYMENTS = 50

/** Per method and engine: the median, how many runs met the target, each run with its steal, and the CPU per payment. */
function printPaymentSummary(results: ServerBenchResult[]): void {
    const keys = [...new Set(results.map((r) => `${r.method} on ${r.engine}`))]
    console.log(`\nApproved durable payments per second, ${results.length / keys.length} runs each (target ${fmt(TARGET_PER_SECOND)}/s):`)
    for (const key of keys) {
        const runs = results.filter((r) => `${r.method} on ${r.engine}` === key)
        const met = runs.filter((r) => r.perSecond >= TARGET_PER_SECOND).length
        const each = runs.map((r) => `${fmt(r.perSecond)} ${conditions(r)}`).join(", ")
        const cpu = median(runs.map((r) => r.cpuPerPayment))
        console.log(`  ${key}: median ${fmt(median(runs.map((r) => r.perSecond)))}/s, met in ${met} of ${runs.length}; runs (steal, other processes): ${each}; server process CPU per payment median ${us(cpu)}`)
    }
    const sqlite = results.filter((r) => r.engine === "SQLite")
    const pg = results.filter((r) => r.engine === "PostgreSQL")
    if (pg.length > 0 && sqlite.length > 0) {
        const ratio = median(pg.map((r) => r.cpuPerPayment)) / median(sqlite.map((r) => r.cpuPerPayment))
        console.log(`  PostgreSQL / SQLite, server process CPU per payment (medians, both methods): ${ratio.toFixed(2)}x (target at most 2x: ${ratio <= 2 ? "met" : "not met"})`)
    }
}

interface AuthRunResult {
    server: "payment server" | "hostapd"
    method: string
    /** Authentications started per second; 0: each terminal's next as soon as its last ended. */
    rate: number
    auths: number
    failureCount: number
    failures: string[]
    seconds: number
    perSecond: number
    /** The server process's CPU per successful authentication, µs (all threads; hostapd: schedstat). */
    cpuUs: number
    /** hostapd: the same from /proc/PID/stat (10 ms ticks). */
    statCpuUs: number | null
    /** hostapd's HLR/AuC gateway (the Milenage in Node and the relay process), µs per authentication. */
    gatewayUs: number | null
    roundTrips: number
    keysMatched: number
    /** Resynchronisations during the warm-up (each terminal's first card starts with its SQN ahead). */
    warmupResyncs: number
    steal: number | null
    others: number | null
    p50: number
    detail: string
}

/** A UDP port that was free a moment ago, for hostapd (which takes a fixed port from its configuration). */
async function freeUdpPort(): Promise<number> {
    const s = createSocket("udp4")
    await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()))
    const port = s.address().port
    await new Promise<void>((resolve) => s.close(() => resolve()))
    return port
}

function p50Of(latencies: number[]): number {
    return latencies.length === 0 ? 0 : median(latencies)
}

/** Authentication only against the payment server; `profile`: where its thread spends its time. */
export async function benchOurAuth(method: number, withProfile: boolean, rate = PEER_RATE): Promise<AuthRunResult> {
    const { server, terminal, fleets, close } = await openBenchServer(method, TERMINALS, CARDS_PER_TERMINAL)
    let fleet: Awaited<ReturnType<typeof startFleet>> | null = null
    try {
        fleet = await startFleet({ kind: "auth", port: server.udp.port, secret: terminal.secret, terminalId: terminal.terminalId, prime: method === EAP_TYPE_AKA_PRIME, fleets, requireKeys: false, ratePerSecond: rate, ...authCounts(rate) })
        const warm = await fleet.warmUp()
        const profiler = withProfile ? new ServerProfiler() : null
        await profiler?.start()
        const sql = await sqlCounter()
        const sql0 = sql()
        const commits0 = server.store.stats().commits
        const clock = new RunClock()
        const r = await fleet.run()
        const run = clock.stop()
        const n = Math.max(1, r.approved)
        const commits = (server.store.stats().commits - commits0) / n
        const statements = statementsBetween(sql0, sql(), "SQLite") / n
        const profileLines = profiler ? await profiler.stop(r.approved, "authentication") : []
        const t = threadCpu(run.threads0, run.threads1, "", n, run.seconds * 1000)
        return {
            server: "payment server",
            method: methodName(method),
            rate,
            auths: r.approved,
            failureCount: r.failureCount + warm.failureCount,
            failures: [...warm.failures, ...r.failures].slice(0, 5),
            seconds: run.seconds,
            perSecond: r.approved / run.seconds,
            cpuUs: run.processUs / Math.max(1, r.approved),
            statCpuUs: null,
            gatewayUs: null,
            roundTrips: r.roundTrips / Math.max(1, r.approved + r.failureCount),
            keysMatched: r.keysMatched,
            warmupResyncs: warm.resyncs,
            steal: run.steal,
            others: run.others(run.processUs + r.cpuUs),
            p50: p50Of(r.latencies),
            detail:
                (run.threads1.size > 0 ? `server thread ${us(t.main)}, helper threads ${us(t.others)}; ` : "") +
                `${commits.toFixed(2)} durable commits and ${statements.toFixed(1)} SQL statements per authentication (its card read, its new re-authentication identity and SEQ blocks written; pseudonyms are stateless)` +
                profileLines.map((l) => "\n    " + l).join(""),
        }
    } finally {
        fleet?.kill()
        await close()
    }
}

/** Card profiles for hostapd's subscribers: the same shape as the payment server's fleet. */
function peerFleets(): AuthCardProfile[][] {
    const fleets: AuthCardProfile[][] = []
    for (let t = 0; t < TERMINALS; t++) {
        const cards: AuthCardProfile[] = []
        for (let c = 0; c < CARDS_PER_TERMINAL; c++) {
            cards.push({ cardId: `H${t}C${c}`.padEnd(8, "0"), realm: "pay.activecard.example", k: randomBytes(16).toString("hex"), opc: randomBytes(16).toString("hex"), seqMs: new Array(32).fill(0) })
        }
        fleets.push(cards)
    }
    return fleets
}

/** Authentication only against hostapd, its vectors from this process (HlrGateway) through the relay. */
export async function benchHostapdAuth(binary: string, method: number, rate = PEER_RATE): Promise<AuthRunResult> {
    const dir = mkdtempSync(join(tmpdir(), "activecard-hostapd-"))
    const fleets = peerFleets()
    const gateway = new HlrGateway(Buffer.from(method === EAP_TYPE_AKA_PRIME ? "8000" : "0000", "hex"))
    for (const cards of fleets) for (const c of cards) gateway.add(c.cardId, c.k, c.opc)
    const secret = randomBytes(12).toString("base64url")
    const hlr = await serveHlr(gateway, join(dir, "hlr.sock"))
    let hostapd: Awaited<ReturnType<typeof startHostapd>> | null = null
    let fleet: Awaited<ReturnType<typeof startFleet>> | null = null
    try {
        const port = await freeUdpPort()
        hostapd = await startHostapd({ binary, dir, port, secret, hlrSocket: hlr.path })
        fleet = await startFleet({ kind: "auth", port, secret, terminalId: "TERM0001", prime: method === EAP_TYPE_AKA_PRIME, fleets, requireKeys: true, ratePerSecond: rate, ...authCounts(rate) })
        const warm = await fleet.warmUp()
        const h0 = procCpu(hostapd.pid)
        const relay0 = procCpu(hlr.relayPid)
        const clock = new RunClock()
        const r = await fleet.run()
        const run = clock.stop()
        const h1 = procCpu(hostapd.pid)
        const relay1 = procCpu(hlr.relayPid)
        const n = Math.max(1, r.approved)
        const cpu = (a: ProcCpu | null, b: ProcCpu | null) => (a && b ? cpuPer(a, b, n) : null)
        const h = cpu(h0, h1)
        const relay = cpu(relay0, relay1)
        if (h === null) throw new Error("hostapd's CPU time is not readable from /proc")
        return {
            server: "hostapd",
            method: methodName(method),
            rate,
            auths: r.approved,
            failureCount: r.failureCount + warm.failureCount,
            failures: [...warm.failures, ...r.failures].slice(0, 5),
            seconds: run.seconds,
            perSecond: r.approved / run.seconds,
            cpuUs: h.us,
            statCpuUs: h.statUs,
            gatewayUs: run.processUs / n + (relay ? relay.us : 0),
            roundTrips: r.roundTrips / Math.max(1, r.approved + r.failureCount),
            keysMatched: r.keysMatched,
            warmupResyncs: warm.resyncs,
            steal: run.steal,
            others: run.others(run.processUs + r.cpuUs + (h0 && h1 ? (h1.ns - h0.ns) / 1000 : 0) + (relay0 && relay1 ? (relay1.ns - relay0.ns) / 1000 : 0)),
            p50: p50Of(r.latencies),
            detail: `hostapd /proc/PID/stat ${us(h.statUs)}; its HLR/AuC gateway (Milenage in Node, relay) ${us(run.processUs / n)} + ${relay ? us(relay.us) : "?"}; gateway ${fmt(gateway.stats.vectors)} vectors, ${gateway.stats.resyncs} resynchronisations, ${gateway.stats.badAuts + gateway.stats.unknown + gateway.stats.malformed} refused`,
        }
    } finally {
        fleet?.kill()
        await hostapd?.close()
        await hlr.close()
        rmSync(dir, { recursive: true, force: true })
    }
}

export function printAuthRun(r: AuthRunResult): void {
    const keys = r.server === "hostapd" ? `, ${fmt(r.keysMatched)} Access-Accepts with MS-MPPE keys equal to the card's MSK` : ""
    console.log(
        `${r.method}, authentication only${r.rate === 0 ? " as fast as the fleet goes" : ""}, ${r.server}: ${fmt(r.auths)} succeeded, ${r.failureCount} failed${keys}; ${fmt(r.perSecond)}/s, p50 ${r.p50.toFixed(1)} ms, ${r.roundTrips.toFixed(2)} round trips each, ` +
            `${r.warmupResyncs} resynchronisations in the warm-up; process CPU ${us(r.cpuUs)} per authentication at ${stealText(r.steal, r.others)}`,
    )
    if (r.detail !== "") console.log("  " + r.detail)
    for (const f of r.failures) console.log("  failure: " + f)
}

function printPeerSummary(ours: AuthRunResult[], peer: AuthRunResult[], busy: AuthRunResult[]): void {
    console.log(`\nAuthentication only at ${PEER_RATE}/s, process CPU per authentication (median of ${ours.length / 2} runs per method; each run with its steal and the share other processes took):`)
    for (const method of ["EAP-AKA'", "EAP-AKA"]) {
        const o = ours.filter((r) => r.method === method)
        const p = peer.filter((r) => r.method === method)
        const oMed = median(o.map((r) => r.cpuUs))
        const runs = (rs: AuthRunResult[]) => rs.map((r) => `${us(r.cpuUs)} ${conditions(r)}`).join(", ")
        let line = `  ${method}: payment server ${us(oMed)} [${runs(o)}]`
        if (p.length > 0) {
            const pMed = median(p.map((r) => r.cpuUs))
            const gw = median(p.map((r) => r.gatewayUs ?? 0))
            const failed = p.reduce((a, r) => a + r.failureCount, 0)
            line += `; hostapd ${us(pMed)} [${runs(p)}], ${failed} failed; ratio payment server / hostapd ${(oMed / pMed).toFixed(2)} (target at most 1: ${oMed <= pMed ? "met" : "not met"}); with hostapd's AuC gateway counted (${us(gw)}), ${(oMed / (pMed + gw)).toFixed(2)}`
        }
        console.log(line)
    }
    for (const r of busy) console.log(`  ${r.method}, payment server as fast as the fleet goes: ${fmt(r.perSecond)} authentications/s at ${us(r.cpuUs)} of process CPU each (${stealText(r.steal, r.others)})`)
}

function machineLine(): string {
    const c = cpus()
    return `Machine: ${c.length} x ${c[0]?.model ?? "unknown CPU"}, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, load average ${loadavg()[0].toFixed(2)}`
}

/** The value of `--name N` (a whole number >= 1), or `fallback` when absent; exits with a message otherwise. */
function wholeArg(args: string[], name: string, fallback: number): number {
    const i = args.indexOf(name)
    if (i < 0) return fallback
    const n = Number(args[i + 1])
    if (Number.isInteger(n) && n >= 1) return n
    console.error(`${name} wants a whole number, at least 1 (got ${args[i + 1] ?? "nothing"})`)
    process.exit(2)
}

function onlyArg(args: string[]): "payments" | "peer" | null {
    const i = args.indexOf("--only")
    if (i < 0) return null
    const v = args[i + 1]
    if (v === "payments" || v === "peer") return v
    console.error(`--only wants "payments" or "peer" (got ${v ?? "nothing"})`)
    process.exit(2)
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const args = process.argv.slice(2)
    const rounds = wholeArg(args, "--runs", 5)
    const only = onlyArg(args)
    const withProfile = args.includes("--profile")
    const withInProcess = args.includes("--in-process")
    console.log(machineLine())
    console.log(`${TERMINALS} simulated terminals x ${CARDS_PER_TERMINAL} cards in a process of their own, RADIUS/UDP on loopback`)
    if (only !== "peer") {
        const engines: BenchEngine[] = [SQLITE]
        const pgUrl = benchPostgresUrl()
        const skip = postgresSkipReason(pgUrl)
        if (skip === null && pgUrl !== null) engines.push({ name: "PostgreSQL", url: pgUrl })
        else console.log(`PostgreSQL: skipped (${skip})`)
        const results: ServerBenchResult[] = []
        for (let round = 1; round <= rounds; round++) {
            console.log(`\nRound ${round} of ${rounds}: ${WARMUP_PER_TERMINAL} untimed and ${PAYMENTS_PER_TERMINAL} timed payments per terminal`)
            for (const method of [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]) {
                for (const engine of engines) {
                    const r = await benchServer(method, engine, withProfile)
                    results.push(r)
                    printServerBench(r)
                    if (withInProcess) printInProcess(r, await benchInProcess(method, TERMINALS, CARDS_PER_TERMINAL, IN_PROCESS_PAYMENTS, IN_PROCESS_WARMUP))
                }
            }
        }
        printPaymentSummary(results)
    }
    if (only !== "payments") {
        const binary = hostapdBinary()
        const pairs = Math.min(rounds, PEER_PAIRS)
        console.log(`\nAuthentication only (no payment), ${fmt(authCounts(PEER_RATE).count)} timed after ${fmt(authCounts(PEER_RATE).warmup)} untimed, at ${PEER_RATE}/s; ${pairs} alternated pairs per method`)
        if (binary === null) console.log("hostapd: skipped (install Debian's hostapd package)")
        const ours: AuthRunResult[] = []
        const peer: AuthRunResult[] = []
        for (let pair = 1; pair <= pairs; pair++) {
            for (const method of [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]) {
                // Alternate which goes first: the machine's speed drifts over minutes.
                const order: ("ours" | "hostapd")[] = pair % 2 === 1 ? ["ours", "hostapd"] : ["hostapd", "ours"]
                for (const which of order) {
                    if (which === "ours") {
                        const r = await benchOurAuth(method, withProfile)
                        ours.push(r)
                        printAuthRun(r)
                    } else if (binary !== null) {
                        const r = await benchHostapdAuth(binary, method)
                        peer.push(r)
                        printAuthRun(r)
                    }
                }
            }
        }
        // The payment server's cost per authentication when busy (group commit shares each commit between several).
        const busy: AuthRunResult[] = []
        for (const method of [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]) {
            const r = await benchOurAuth(method, false, 0)
            busy.push(r)
            printAuthRun(r)
        }
        printPeerSummary(ours, peer, busy)
    }
}

