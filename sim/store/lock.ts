// One writer per data folder: a LOCK file holding the owner's pid.
// - Taken with link(2) from a temp file that already holds our pid: atomic, fails if LOCK exists,
//   and LOCK is never seen empty.
// - A LOCK whose pid is not running (the owner crashed) is stale and is taken over; the takeover
//   is serialised by a second file, LOCK.break, so two starting processes never both win.
// - A LOCK holding our own pid is stale too: the caller (JournalStore.open) has already checked
//   that this process does not hold the folder, so it is left over from an earlier process that
//   had the same pid, or the folder was copied from a live one.
// A pid reused by an unrelated process after a reboot looks alive: the error then says which file
// to remove.

import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { StoreLockedError } from "./errors"

export const LOCK_FILE = "LOCK"
const BREAK_FILE = "LOCK.break"

function code(e: unknown): string | undefined {
    return (e as NodeJS.ErrnoException | undefined)?.code
}

/** The pid in a lock file; undefined when the file does not exist. */
function readHolder(path: string): number | undefined {
    let text: string
    try {
        text = readFileSync(path, "utf8")
    } catch (e) {
        if (code(e) === "ENOENT") return undefined
        throw e
    }
    const pid = Number(text.trim())
    if (!Number.isSafeInteger(pid) || pid <= 0) {
        throw new StoreLockedError(`store: lock file ${path} does not hold a pid; if no server is running on this folder, remove it`)
    }
    return pid
}

function isRunning(pid: number): boolean {
    if (pid === process.pid) return false // see the header comment
    try {
        process.kill(pid, 0)
        return true
    } catch (e) {
        return code(e) !== "ESRCH" // EPERM: it exists, under another user
    }
}

export class DirLock {
    readonly path: string

    private constructor(path: string) {
        this.path = path
    }

    static acquire(dir: string): DirLock {
        const path = join(dir, LOCK_FILE)
        const mine = join(dir, `LOCK.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)
        writeFileSync(mine, `${process.pid}\n`)
        try {
            for (let attempt = 0; attempt < 3; attempt++) {
                try {
                    linkSync(mine, path)
                    return new DirLock(path)
                } catch (e) {
                    if (code(e) !== "EEXIST") throw e
                }
                const holder = readHolder(path)
                if (holder === undefined) continue // released meanwhile
                if (isRunning(holder)) {
                    throw new StoreLockedError(
                        `store: data folder ${dir} is locked by running process ${holder} (${path}); ` +
                            "two servers must not share a folder. If that process is not a server, remove the lock file",
                    )
                }
                breakStale(dir, path, holder)
            }
            throw new StoreLockedError(`store: could not lock ${dir}: the lock file keeps changing hands`)
        } finally {
            rmSync(mine, { force: true })
        }
    }

    /** Removes LOCK if it is still ours. */
    release(): void {
        try {
            if (readHolder(this.path) === process.pid) unlinkSync(this.path)
        } catch {
            // Nothing to do: a LOCK left behind holds a pid that will not be running.
        }
    }
}

function breakStale(dir: string, path: string, stalePid: number): void {
    const breaker = join(dir, BREAK_FILE)
    try {
        writeFileSync(breaker, `${process.pid}\n`, { flag: "wx" })
    } catch (e) {
        if (code(e) !== "EEXIST") throw e
        throw new StoreLockedError(
            `store: another process is taking over the stale lock of ${dir} (${breaker}); retry, or remove that file if no process is starting`,
        )
    }
    try {
        // Re-read under LOCK.break: someone may have taken the folder since we looked.
        if (readHolder(path) === stalePid) unlinkSync(path)
    } finally {
        rmSync(breaker, { force: true })
    }
}
