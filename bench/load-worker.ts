// A worker thread of simulated terminals for the server benchmark: each terminal has its own UDP
// socket and its own cards (the real card logic), and pays in a loop. Runs off the server's thread
// so that on a 2-core machine the server gets a core of its own.

import { parentPort, workerData } from "node:worker_threads"
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { RadiusClient } from "../sim/radius/client"
import { RadiusUplink } from "../src/terminal/radius-uplink"
import { InProcessCard } from "../sim/card/in-process-card"
import { TerminalRelay } from "../src/terminal/terminal-relay"
import type { CardProfile } from "../sim/server/provision"

export interface LoadJob {
    port: number
    secret: string
    terminalId: string
    prime: boolean
    /** Card profiles per terminal. */
    fleets: CardProfile[][]
    paymentsPerTerminal: number
}

export interface LoadResult {
    /** Event-loop utilisation of this load thread during the run (1 = saturated). */
    utilization: number
    approved: number
    failures: string[]
    latencies: number[]
}

async function run(job: LoadJob): Promise<LoadResult> {
    const latencies: number[] = []
    const failures: string[] = []
    let approved = 0
    const elu0 = performance.eventLoopUtilization()
    await Promise.all(
        job.fleets.map(async (profiles) => {
            const cards = profiles.map((p) => InProcessCard.fromProfile(p, { preferPrime: job.prime, allowAka: true, networkName: "", usePseudonyms: false }))
            const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: job.port, secret: Buffer.from(job.secret, "utf8"), timeoutMs: 3000, retries: 3 })
            const uplink = new RadiusUplink(client, job.terminalId)
            for (let i = 0; i < job.paymentsPerTerminal; i++) {
                const relay = new TerminalRelay(cards[i % cards.length], uplink, (n) => randomBytes(n))
                const s = performance.now()
                const o = await relay.pay({ amount: 1000 + i, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: job.terminalId, transactionId: randomBytes(8) }, "2580")
                latencies.push(performance.now() - s)
                if (o.approved) approved++
                else if (failures.length < 5) failures.push(o.message)
            }
            await client.close()
        }),
    )
    return { utilization: performance.eventLoopUtilization(elu0).utilization, approved, failures, latencies }
}

// "ready" once loaded, then run on "go": start-up time stays out of the measurement.
if (parentPort) {
    const port = parentPort
    port.once("message", async () => port.postMessage(await run(workerData as LoadJob)))
    port.postMessage("ready")
}
