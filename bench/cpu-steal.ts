// CPU time the hypervisor gave to other guests while this virtual machine wanted it ("steal" in
// /proc/stat), as a share of all CPU time over an interval. On this 2-core virtual machine the same
// code's throughput moved with it: three runs in a row did 1,846, 1,541 and 2,016 EAP-AKA'
// payments/s with 2.0%, 15.9% and 1.4% steal. The benchmark prints it beside its figures.

import { existsSync, readFileSync } from "node:fs"

const PROC_STAT = "/proc/stat"

/** /proc/stat counts in USER_HZ, 100 per second on every architecture Node runs on. */
const USER_HZ = 100

/** Jiffies summed over all CPUs: steal, idle (idle + iowait), and the total of user, nice, system, idle, iowait, irq, softirq and steal. */
export interface CpuTicks {
    steal: number
    idle: number
    total: number
}

/** The aggregate "cpu" line of /proc/stat (guest time is already counted in user and nice). */
export function parseCpuLine(line: string): CpuTicks {
    const fields = line.trim().split(/\s+/)
    if (fields[0] !== "cpu" || fields.length < 9) throw new Error("not the aggregate cpu line of /proc/stat")
    const ticks = fields.slice(1, 9).map(Number)
    if (ticks.some((t) => !Number.isFinite(t) || t < 0)) throw new Error("unreadable cpu line of /proc/stat")
    return { steal: ticks[7], idle: ticks[3] + ticks[4], total: ticks.reduce((a, b) => a + b, 0) }
}

/** Now, or null where there is no /proc/stat (not Linux). */
export function cpuTicks(): CpuTicks | null {
    if (!existsSync(PROC_STAT)) return null
    return parseCpuLine(readFileSync(PROC_STAT, "utf8").split("\n")[0])
}

/** Share (0..1) of the CPU time between two readings that was stolen; 0 when no time passed. */
export function stealShare(before: CpuTicks, after: CpuTicks): number {
    const total = after.total - before.total
    return total > 0 ? (after.steal - before.steal) / total : 0
}

/** CPU time (µs, all CPUs) this machine spent running anything between two readings: neither idle nor stolen. */
export function busyMicros(before: CpuTicks, after: CpuTicks): number {
    const busy = after.total - after.idle - after.steal - (before.total - before.idle - before.steal)
    return (busy * 1e6) / USER_HZ
}
