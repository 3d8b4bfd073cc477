// CPU time per thread of this process, from the Linux scheduler's statistics
// (/proc/self/task/<tid>/schedstat: time on a CPU, time runnable but waiting for one). On a 2-core
// machine that also runs the simulated fleet, the server's thread does not get a core to itself:
// this says how much CPU each thread used and how long the server's thread waited for a core.

import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"

/** Per thread ID: [ns on a CPU, ns waiting for a CPU]. */
export type ThreadTimes = Map<string, [number, number]>

const TASKS = "/proc/self/task"

export function threadCpuAvailable(): boolean {
    return existsSync(TASKS)
}

/** The calling thread's ID (Linux), or "" where there is no /proc. */
export function currentThreadId(): string {
    try {
        return readlinkSync("/proc/thread-self").split("/").pop() ?? ""
    } catch {
        return ""
    }
}

export function threadTimes(): ThreadTimes {
    const times: ThreadTimes = new Map()
    if (!threadCpuAvailable()) return times
    for (const tid of readdirSync(TASKS)) {
        try {
            const [run, wait] = readFileSync(`${TASKS}/${tid}/schedstat`, "utf8").split(" ").map(Number)
            times.set(tid, [run, wait])
        } catch {
            // the thread ended between the listing and the read
        }
    }
    return times
}

export interface ThreadCpu {
    /** µs of CPU per unit (payment) for the main thread, the given thread, and all the others. */
    main: number
    load: number
    others: number
    /** Share of the wall time the main thread spent runnable but waiting for a core. */
    mainWaited: number
}

export function threadCpu(before: ThreadTimes, after: ThreadTimes, loadTid: string, units: number, wallMs: number): ThreadCpu {
    const mainTid = String(process.pid)
    const out: ThreadCpu = { main: 0, load: 0, others: 0, mainWaited: 0 }
    for (const [tid, [run, wait]] of after) {
        const [run0, wait0] = before.get(tid) ?? [0, 0]
        const us = (run - run0) / 1000 / units
        if (tid === mainTid) {
            out.main += us
            out.mainWaited = (wait - wait0) / 1e6 / wallMs
        } else if (tid === loadTid) out.load += us
        else out.others += us
    }
    return out
}
