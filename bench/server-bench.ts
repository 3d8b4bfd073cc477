// Server-side benchmark: full EAP-AKA and EAP-AKA' payment authentications per second over
// RADIUS/UDP on loopback, from many concurrent simulated terminals (each with its own socket and
// its own cards), every payment approved and durably recorded before the terminal hears of it.
// Prints throughput, latency percentiles and where the time goes.

import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import { Worker } from "node:worker_threads"
import { openBenchServer } from "./bench-setup"
import { benchInProcess, type InProcessResult } from "./in-process-bench"
import type { LoadJob, LoadResult } from "./load-worker"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../src/eap/eap-packet"
import { ServerProfiler } from "./profile-categories"
import { threadCpu, threadTimes, type ThreadTimes } from "./thread-cpu"
import { cpuTicks, stealShare } from "./cpu-steal"
import { median } from "./median"

/** The throughput target on this 2-core machine, for each method. */
const TARGET_PER_SECOND = 2000

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

/**
 * Untimed payments per terminal before the measured ones, so that what is timed is the steady
 * state: both threads' code optimised by the JIT, the heap grown to its working size. Alternated
 * runs measured 30 at +12% over 10 (a first run in a fresh process was the slowest), and 60 no
 * clear gain over 30.
 */
export const WARMUP_PER_TERMINAL = 30

export interface ServerBenchResult {
    method: string
    payments: number
    seconds: number
    perSecond: number
    p50: number
    p99: number
    approvedDurable: number
    /** Process CPU time (every thread) per payment, in µs. */
    cpuPerPayment: number
    /** Share (0..1) of the machine's CPU time the hypervisor gave to others during the run; null where unknown. */
    steal: number | null
    breakdown: string[]
}

export async function benchServer(method: number, terminals: number, cardsPerTerminal: number, paymentsPerTerminal: number, warmupPerTerminal = WARMUP_PER_TERMINAL, withProfile = false): Promise<ServerBenchResult> {
    const { server, terminal, fleets, close } = await openBenchServer(method, terminals, cardsPerTerminal)
    try {
        // The simulated terminals run in a worker thread: the server keeps this thread to itself.
        const job: LoadJob = { port: server.udp.port, secret: terminal.secret, terminalId: terminal.terminalId, prime: method === EAP_TYPE_AKA_PRIME, fleets, warmupPerTerminal, paymentsPerTerminal }
        const worker = new Worker(new URL("./load-worker-boot.mjs", import.meta.url), { workerData: job })
        /** The worker's next message, after sending it `command` (if any). */
        const exchange = <T>(command?: string) =>
            new Promise<T>((resolve, reject) => {
                worker.once("message", resolve)
                worker.once("error", reject)
                if (command !== undefined) worker.postMessage(command)
            })
        await exchange<string>() // "ready"
        const vector: Timed = { total: 0, calls: 0 }
        const decide: Timed = { total: 0, calls: 0 }
        const finalize: Timed = { total: 0, calls: 0 }
        // Before the warm-up: wrapping the methods changes the ports object's shape, and the code
        // optimised for the old one would be thrown away and recompiled during the timed run.
        instrument(server.ports, "vector", vector)
        instrument(server.ports, "decide", decide)
        instrument(server.ports, "finalize", finalize)
        // Warm-up: every terminal pays a few times first (not counted), so that what is timed is the
        // steady state, with both threads' code compiled.
        const warm = await exchange<{ warmupFailures: string[]; threadId: string }>("warm up")
        if (warm.warmupFailures.length > 0) throw new Error("warm-up payments not approved: " + warm.warmupFailures.join("; "))
        for (const t of [vector, decide, finalize]) t.total = t.calls = 0
        const commits0 = server.store.stats().commits
        const latencies: number[] = []
        const loop = monitorEventLoopDelay({ resolution: 10 })
        loop.enable()
        const profiler = withProfile ? new ServerProfiler() : null
        await profiler?.start()
        const threads0 = threadTimes()
        const ticks0 = cpuTicks()
        const cpu0 = process.cpuUsage()
        const elu0 = performance.eventLoopUtilization()
        const t0 = performance.now()
        const result = await exchange<LoadResult>("go")
        void worker.terminate()
        if (result.failures.length > 0) throw new Error("payments not approved: " + result.failures.join("; "))
        const approved = result.approved
        latencies.push(...result.latencies)
        const seconds = (performance.now() - t0) / 1000
        const threads1 = threadTimes()
        const ticks1 = cpuTicks()
        const steal = ticks0 && ticks1 ? stealShare(ticks0, ticks1) : null
        const profileLines = profiler ? await profiler.stop(approved) : []
        const serverUtilization = performance.eventLoopUtilization(elu0).utilization
        const cpu = process.cpuUsage(cpu0)
        loop.disable()
        const durable = (await server.store.ledger()).filter((r) => r.state === "final" && r.result.responseCode === "00").length - terminals * warmupPerTerminal
        latencies.sort((a, b) => a - b)
        const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))]
        const commits = server.store.stats().commits - commits0
        const wall = seconds * 1000
        const payments = approved
        const processCpuPerPayment = (cpu.user + cpu.system) / payments
        // Sampled calls: scaled back to all calls.
        const per = (t: Timed) => `${((t.total * SAMPLE_EVERY) / payments).toFixed(2)} ms/payment over ${((t.calls * SAMPLE_EVERY) / payments).toFixed(1)} calls`
        const cpuPerPayment = (utilization: number) => `${((utilization * wall * 1000) / payments).toFixed(0)} us/payment`
        const breakdown = [
            `process CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)}% of one core over ${seconds.toFixed(1)} s = ${processCpuPerPayment.toFixed(0)} us per payment (server thread, load thread of simulated terminals and cards, GC and file-system helper threads)`,
            `server thread busy ${(serverUtilization * 100).toFixed(0)}% of the time = ${cpuPerPayment(serverUtilization)} (event loop utilisation: includes time spent waiting for a core)`,
            ...threadLines(threads0, threads1, warm.threadId, payments, wall),
            ...stealLines(steal),
            `latency inside the server, waiting for the disk included: AuC vector (SEQ from a durably reserved block) ${per(vector)}; decision + durable ledger entry ${per(decide)}; finalize after the card's acknowledgement (durable) ${per(finalize)}`,
            `durable commits (${server.store.description.split(" ")[0]}): ${commits} (${(commits / payments).toFixed(2)} per payment, group commit)`,
            `event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
            ...profileLines,
        ]
        return { method: method === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA", payments, seconds, perSecond: payments / seconds, p50: pct(50), p99: pct(99), approvedDurable: durable, cpuPerPayment: processCpuPerPayment, steal, breakdown }
    } finally {
        await close()
    }
}

/** The CPU each thread used per payment, where the scheduler's statistics are available (Linux). */
function threadLines(before: ThreadTimes, after: ThreadTimes, loadThread: string, payments: number, wallMs: number): string[] {
    if (after.size === 0 || loadThread === "") return []
    const t = threadCpu(before, after, loadThread, payments, wallMs)
    return [
        `CPU per payment: server thread ${t.main.toFixed(0)} us, simulated fleet's thread ${t.load.toFixed(0)} us, other threads ${t.others.toFixed(0)} us (V8 GC helpers and compiler, file-system pool); the server thread waited for a core ${(t.mainWaited * 100).toFixed(0)}% of the time`,
    ]
}

/** How much CPU time the hypervisor took away during the run, where /proc/stat says (Linux). */
function stealLines(steal: number | null): string[] {
    if (steal === null) return []
    return [`the hypervisor gave ${(steal * 100).toFixed(1)}% of this machine's CPU time to others during the run (steal: the same code is markedly slower when it is high)`]
}

export function printServerBench(r: ServerBenchResult): void {
    console.log(`${r.method}: ${r.payments} payments in ${r.seconds.toFixed(2)} s = ${r.perSecond.toFixed(0)} approved payments/s (target ${TARGET_PER_SECOND.toLocaleString("en-US")}); latency p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ${r.approvedDurable} approvals final in the durable ledger`)
    for (const line of r.breakdown) console.log("  " + line)
}

/** Beside a UDP run: the same payments in one thread without sockets, and what that leaves to the transport. */
export function printInProcess(r: ServerBenchResult, p: InProcessResult): void {
    const share = p.cpuPerPayment / r.cpuPerPayment
    console.log(
        `  the same payments with both sides in one thread and no sockets (${p.approved} approved, server called directly): ${p.cpuPerPayment.toFixed(0)} us of CPU per payment, ${(share * 100).toFixed(0)}% of the ${r.cpuPerPayment.toFixed(0)} us above;` +
            ` the other ${(r.cpuPerPayment - p.cpuPerPayment).toFixed(0)} us come with carrying them over UDP between two threads (system calls, Node's socket layer, and the same code running slower on caches shared by busy threads)`,
    )
}

/** In-process run: warm-up and measured payments per terminal (the card code has not run in this thread before). */
const IN_PROCESS_WARMUP = 20
const IN_PROCESS_PAYMENTS = 50

/**
 * After several rounds: per method, how many runs met the target, each run's figure beside the
 * steal during it, and the median. One run says little on this virtual machine, whose speed
 * drifts with what the other guests do (see cpu-steal.ts).
 */
function printRunsSummary(results: ServerBenchResult[]): void {
    const methods = [...new Set(results.map((r) => r.method))]
    console.log(`Summary of ${results.length / methods.length} rounds (target ${TARGET_PER_SECOND.toLocaleString("en-US")} approved payments/s):`)
    for (const method of methods) {
        const runs = results.filter((r) => r.method === method)
        const met = runs.filter((r) => r.perSecond >= TARGET_PER_SECOND).length
        const each = runs.map((r) => `${r.perSecond.toFixed(0)}/s` + (r.steal === null ? "" : ` at ${(r.steal * 100).toFixed(1)}% steal`)).join(", ")
        console.log(`  ${method}: met in ${met} of ${runs.length} runs; median ${median(runs.map((r) => r.perSecond)).toFixed(0)}/s; ${each}`)
    }
}

/** The value of `--runs N` (1 when absent); exits with a message when N is not a whole number >= 1. */
function roundsFromArgs(args: string[]): number {
    const i = args.indexOf("--runs")
    if (i < 0) return 1
    const n = Number(args[i + 1])
    if (Number.isInteger(n) && n >= 1) return n
    console.error(`--runs wants a whole number of rounds, at least 1 (got ${args[i + 1] ?? "nothing"})`)
    process.exit(2)
}

if (import.meta.url === `file://${process.argv[1]}`) {
    // --profile: also say where the server thread's time goes (a CPU profile of the measured run; slower).
    // --runs N: N rounds of both methods, then a summary (how many met the target, at what steal).
    // 128 terminals with 4 cards each; WARMUP_PER_TERMINAL warm-up and 100 measured payments per terminal.
    const withProfile = process.argv.includes("--profile")
    const rounds = roundsFromArgs(process.argv.slice(2))
    const results: ServerBenchResult[] = []
    for (let round = 1; round <= rounds; round++) {
        if (rounds > 1) console.log(`Round ${round} of ${rounds}`)
        for (const method of [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]) {
            const r = await benchServer(method, 128, 4, 100, WARMUP_PER_TERMINAL, withProfile)
            results.push(r)
            printServerBench(r)
            // Not beside a profiled run: the profiler slows the UDP run, the ratio would mean nothing.
            if (!withProfile) printInProcess(r, await benchInProcess(method, 128, 4, IN_PROCESS_PAYMENTS, IN_PROCESS_WARMUP))
        }
    }
    if (rounds > 1) printRunsSummary(results)
}
