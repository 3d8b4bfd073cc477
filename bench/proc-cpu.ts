// CPU time of another process (the peer server hostapd, the HLR relay, the simulated fleet), from
// Linux's /proc: the scheduler's nanoseconds on a CPU summed over the process's threads
// (/proc/PID/task/TID/schedstat), and the kernel's user + system time in clock ticks
// (/proc/PID/stat fields 14 and 15, 10 ms each) as a coarse cross-check.

import { existsSync, readdirSync, readFileSync } from "node:fs"

/** Linux reports /proc times in USER_HZ, 100 per second on every architecture Node runs on. */
const USER_HZ = 100

export interface ProcCpu {
    /** Nanoseconds on a CPU, all threads (schedstat). */
    ns: number
    /** User + system time from /proc/PID/stat, in ms (10 ms resolution). */
    statMs: number
}

/** utime + stime (ticks) from a /proc/PID/stat line; the command name in parentheses may hold spaces. */
export function parseStatTicks(line: string): number {
    const close = line.lastIndexOf(")")
    if (close < 0) throw new Error("not a /proc/PID/stat line")
    // After ") ": field 3 (state) is index 0, so fields 14 and 15 are indexes 11 and 12.
    const fields = line.slice(close + 2).trim().split(/\s+/)
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("unreadable /proc/PID/stat line")
    return utime + stime
}

/** The first field of a schedstat line: nanoseconds on a CPU. */
export function parseSchedstatNs(line: string): number {
    const ns = Number(line.trim().split(/\s+/)[0])
    if (!Number.isFinite(ns)) throw new Error("unreadable schedstat line")
    return ns
}

export function procCpuAvailable(pid: number): boolean {
    return existsSync(`/proc/${pid}/stat`)
}

/** The process's CPU so far, or null where /proc does not say (not Linux, or the process has ended). */
export function procCpu(pid: number): ProcCpu | null {
    try {
        let ns = 0
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
            try {
                ns += parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8"))
            } catch {
                // the thread ended between the listing and the read
            }
        }
        const statMs = (parseStatTicks(readFileSync(`/proc/${pid}/stat`, "utf8")) * 1000) / USER_HZ
        return { ns, statMs }
    } catch {
        return null
    }
}

/** CPU used between two readings, in µs per unit (e.g. per authentication): schedstat, and /proc/PID/stat. */
export function cpuPer(before: ProcCpu, after: ProcCpu, units: number): { us: number; statUs: number } {
    return { us: (after.ns - before.ns) / 1000 / units, statUs: ((after.statMs - before.statMs) * 1000) / units }
}

