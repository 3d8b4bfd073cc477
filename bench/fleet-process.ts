// The simulated fleet's process (started by bench/fleet.ts): connects its terminals, says "ready",
// runs the warm-up on "warm up", then the measured run on "go", each answered with its LoadResult
// (the measured one with this process's CPU time), and exits. Start-up and JIT compilation stay
// out of the measurement.

import { authAll, connectAuthenticating, connectPaying, payAll, polling, type LoadJob, type LoadResult } from "./load-worker"

export interface FleetResult extends LoadResult {
    /** This process's CPU time during the measured run, µs. */
    cpuUs: number
}

function send(message: unknown): Promise<void> {
    return new Promise((resolve, reject) => process.send!(message, undefined, undefined, (e) => (e ? reject(e) : resolve())))
}

function nextMessage(): Promise<unknown> {
    return new Promise((resolve) => process.once("message", resolve))
}

async function main(): Promise<void> {
    const job = (await nextMessage()) as LoadJob
    let warm: () => Promise<LoadResult>
    let measured: () => Promise<LoadResult>
    let close: () => Promise<void>
    if (job.kind === "pay") {
        const terminals = await connectPaying(job)
        const requests = () => terminals.reduce((n, t) => n + t.client.stats.requests, 0)
        warm = () => payAll(job.terminalId, terminals, job.warmupPerTerminal)
        measured = async () => {
            const before = requests()
            const r = await payAll(job.terminalId, terminals, job.paymentsPerTerminal)
            return { ...r, roundTrips: requests() - before }
        }
        close = async () => {
            for (const t of terminals) await t.client.close()
        }
    } else {
        const terminals = await connectAuthenticating(job)
        warm = () => authAll(terminals, job.warmup, job.ratePerSecond, job.requireKeys)
        measured = () => authAll(terminals, job.count, job.ratePerSecond, job.requireKeys)
        close = async () => {
            for (const t of terminals) await t.terminal.client.close()
        }
    }
    await send("ready")
    await nextMessage()
    await send(await polling(warm))
    await nextMessage()
    const cpu0 = process.cpuUsage()
    const result = await polling(measured)
    const cpu = process.cpuUsage(cpu0)
    await close()
    await send({ ...result, cpuUs: cpu.user + cpu.system } satisfies FleetResult)
    process.disconnect()
}

if (process.send) {
    main().catch((e) => {
        console.error("fleet:", e)
        process.exit(1)
    })
}
