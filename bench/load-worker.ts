// A worker thread of simulated terminals for the server benchmark: each terminal has its own UDP
// socket and its own cards (the real card logic), and pays in a loop. Runs off the server's thread
// so that on a 2-core machine the server gets a core of its own.

import { parentPort, workerData } from "node:worker_threads"
import { nodeRandomBytes as randomBytes } from "../sim/node-platform"
import { performance } from "node:perf_hooks"
import { currentThreadId } from "./thread-cpu"
import { RadiusClient } from "../sim/radius/client"
import { RadiusUplink } from "../src/terminal/radius-uplink"
import type { InProcessCard } from "../sim/card/in-process-card"
import { TerminalRelay } from "../src/terminal/terminal-relay"
import type { CardProfile } from "../sim/server/provision"
import { BENCH_PIN, benchCards } from "./bench-setup"

export interface LoadJob {
    port: number
    secret: string
    terminalId: string
    prime: boolean
    /** Card profiles per terminal. */
    fleets: CardProfile[][]
    /** Payments per terminal before the measured ones, so that both threads' code is compiled (JIT) when timing starts. */
    warmupPerTerminal: number
    paymentsPerTerminal: number
}

export interface LoadResult {
    approved: number
    failures: string[]
    latencies: number[]
}

/** A simulated terminal: its cards and its uplink to the payment server. */
export interface BenchTerminal {
    cards: InProcessCard[]
    uplink: RadiusUplink
}

interface Terminal extends BenchTerminal {
    client: RadiusClient
}

async function connect(job: LoadJob): Promise<Terminal[]> {
    return await Promise.all(
        job.fleets.map(async (profiles) => {
            const cards = benchCards(profiles, job.prime)
            const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: job.port, secret: Buffer.from(job.secret, "utf8"), timeoutMs: 3000, retries: 3 })
            return { cards, client, uplink: new RadiusUplink(client, job.terminalId) }
        }),
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

/** Every terminal pays `count` times in a row, all terminals at once. */
export async function payAll(terminalId: string, terminals: BenchTerminal[], count: number): Promise<LoadResult> {
    const latencies: number[] = []
    const failures: string[] = []
    let approved = 0
    await Promise.all(
        terminals.map(async (t) => {
            for (let i = 0; i < count; i++) {
                const relay = new TerminalRelay(t.cards[i % t.cards.length], t.uplink, randomBytes)
                const s = performance.now()
                const o = await relay.pay({ amount: 1000 + i, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId, transactionId: randomBytes(8) }, BENCH_PIN)
                latencies.push(performance.now() - s)
                if (o.approved) approved++
                else if (failures.length < 5) failures.push(o.message)
            }
        }),
    )
    return { approved, failures, latencies }
}

/** payAll over the network, with this thread polling for the replies (pollWhile). */
async function payAllPolling(job: LoadJob, terminals: Terminal[], count: number): Promise<LoadResult> {
    let running = true
    pollWhile(() => running)
    try {
        return await payAll(job.terminalId, terminals, count)
    } finally {
        running = false
    }
}

// "ready" once loaded and connected; "warm" after the warm-up payments; then the measured run on
// "go": start-up and JIT compilation stay out of the measurement.
if (parentPort) {
    const port = parentPort
    const job = workerData as LoadJob
    const terminals = await connect(job)
    port.once("message", async () => {
        const warm = await payAllPolling(job, terminals, job.warmupPerTerminal)
        port.postMessage({ warmupFailures: warm.failures, threadId: currentThreadId() })
        port.once("message", async () => {
            const result = await payAllPolling(job, terminals, job.paymentsPerTerminal)
            for (const t of terminals) await t.client.close()
            port.postMessage(result)
        })
    })
    port.postMessage("ready")
}
