// Starts the simulated fleet (bench/fleet-process.ts) in a child process and steps it through
// ready -> warm-up -> measured run.

import { fork, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { LoadJob, LoadResult } from "./load-worker"
import type { FleetResult } from "./fleet-process"

export interface Fleet {
    pid: number
    warmUp(): Promise<LoadResult>
    run(): Promise<FleetResult>
    kill(): void
}

export async function startFleet(job: LoadJob): Promise<Fleet> {
    // The same Node flags as this process (tsx's loader, the semi-space size).
    const child: ChildProcess = fork(fileURLToPath(new URL("./fleet-process.ts", import.meta.url)), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
    const next = <T>(command?: string) =>
        new Promise<T>((resolve, reject) => {
            const onExit = (code: number | null) => reject(new Error(`the simulated fleet exited (${code}) before answering`))
            child.once("exit", onExit)
            child.once("message", (m) => {
                child.off("exit", onExit)
                resolve(m as T)
            })
            if (command !== undefined) child.send(command)
        })
    const ready = next<string>()
    child.send(job)
    await ready
    return {
        pid: child.pid ?? -1,
        warmUp: () => next<LoadResult>("warm up"),
        run: () => next<FleetResult>("go"),
        kill: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill()
        },
    }
}
