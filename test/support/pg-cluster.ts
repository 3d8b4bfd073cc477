// A throwaway PostgreSQL cluster of a test's own, for a test that stops and starts the database
// under a running server (the shared one of ACTIVECARD_TEST_PG_URL serves suites running in
// parallel and must stay up). initdb and pg_ctl from ACTIVECARD_TEST_PG_BIN, from PATH, or from
// Debian's /usr/lib/postgresql/<version>/bin; run as the user `postgres` when the tests run as root
// (PostgreSQL refuses to run as root).

import { execFileSync, spawnSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { freePort } from "./free-port"

const has = (dir: string) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(dir, b)))

/** The folder with initdb, pg_ctl and postgres, or null. */
export function pgBinDir(): string | null {
    const candidates: string[] = []
    if (process.env.ACTIVECARD_TEST_PG_BIN) candidates.push(process.env.ACTIVECARD_TEST_PG_BIN)
    const which = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim()
    if (which) candidates.push(dirname(realpathSync(which)))
    const debian = "/usr/lib/postgresql"
    if (existsSync(debian)) {
        const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
        for (const v of versions) candidates.push(join(debian, v, "bin"))
    }
    return candidates.find(has) ?? null
}

/** uid/gid of the user `postgres` when running as root (null otherwise: run as this user). */
function runAs(): { uid: number; gid: number } | null {
    if (process.getuid?.() !== 0) return null
    const line = spawnSync("getent", ["passwd", "postgres"], { encoding: "utf8" }).stdout.trim()
    if (!line) throw new Error("running as root and no user postgres to run PostgreSQL as")
    const [, , uid, gid] = line.split(":")
    return { uid: Number(uid), gid: Number(gid) }
}

export interface Cluster {
    /** The cluster's maintenance database (create test databases from it). */
    url: string
    /** Stops the server at once (as a crash would: no shutdown checkpoint). */
    stop(): void
    start(): void
    dispose(): void
}

export async function startCluster(): Promise<Cluster> {
    const bin = pgBinDir()
    if (bin === null) throw new Error("PostgreSQL binaries (initdb, pg_ctl, postgres) not found: set ACTIVECARD_TEST_PG_BIN")
    const user = runAs()
    const dir = mkdtempSync(join(tmpdir(), "activecard-pgcluster-"))
    if (user) chownSync(dir, user.uid, user.gid)
    const port = await freePort()
    const run = (tool: string, args: string[]) => execFileSync(join(bin, tool), args, { stdio: "pipe", timeout: 120_000, ...(user ?? {}) })
    run("initdb", ["-D", join(dir, "data"), "-A", "trust", "-U", "activecard", "--no-sync", "-E", "UTF8"])
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`
    const start = () => void run("pg_ctl", ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "-o", options, "start"])
    const stop = () => void run("pg_ctl", ["-D", join(dir, "data"), "-m", "immediate", "-w", "stop"])
    start()
    return {
        url: `postgres://activecard@127.0.0.1:${port}/postgres`,
        stop,
        start,
        dispose() {
            try {
                stop()
            } catch {
                // already stopped
            }
            rmSync(dir, { recursive: true, force: true })
        },
    }
}
