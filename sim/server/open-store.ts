// Opens the server's storage. By default the data folder: private to the server's user (it holds K
// and OPc), with the SQLite database in it (server.db, mode 0600). Refused with one line each: a
// folder in the journal format of earlier versions, a folder that was initialised but has lost its
// database, a read-only folder. serverLock() keeps a second server off the same folder. With a
// postgres:// URL, the PostgreSQL database there instead (the data folder is not used).

import Database from "better-sqlite3"
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { SqliteStorage, sqliteCode } from "../db/sqlite-storage"
import { PostgresStorage } from "../db/postgres-storage"
import { StorageError, type ServerStorage } from "../db/storage"

export const DATABASE_FILE = "server.db"
const LOCK_FILE = "server.lock"

export interface StoreOptions {
    /** SQLite: how long a write waits for another process's lock. */
    busyTimeoutMs?: number
    /** A postgres:// URL: the database there instead of the data folder's SQLite file. */
    db?: string
    /** PostgreSQL: this process is a server node (it claims an IND). */
    node?: boolean
    log?: (line: string) => void
}

export async function openServerStore(dir: string, options: StoreOptions = {}): Promise<ServerStorage> {
    if (options.db !== undefined) return await PostgresStorage.open(options.db, { node: options.node, log: options.log })
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const names = readdirSync(dir)
    if (names.some((n) => /^journal-\d+\.log$/.test(n) || n === "snapshot")) {
        throw new StorageError(`data folder ${dir} holds the journal store of an earlier version, which this server no longer reads: provision into a new data folder (--data), or run the earlier version`)
    }
    const file = join(dir, DATABASE_FILE)
    // Anything in the folder (even the lock file a server leaves) means it was initialised.
    if (!existsSync(file) && names.length > 0) {
        throw new StorageError(`data folder ${dir} has no ${DATABASE_FILE} but is not empty: the database is missing (restore it, or choose an empty folder)`)
    }
    try {
        // Private to this user; the user's own bits are kept (a folder made read-only stays so).
        const mode = statSync(dir).mode & 0o777
        if ((mode & 0o077) !== 0) chmodSync(dir, mode & 0o700)
        accessSync(dir, constants.W_OK)
    } catch {
        throw new StorageError(`data folder ${dir} is read-only or not this user's: the server writes its database there`)
    }
    return SqliteStorage.open(file, options)
}

/**
 * One server per data folder: an exclusive lock on the file server.lock, held by an open SQLite
 * connection for the server's lifetime. The operating system drops it when the process ends,
 * even by kill -9, so a crash leaves no stale lock. Provisioning does not take it.
 */
export function serverLock(dir: string): { release(): void } {
    let db: Database.Database | undefined
    try {
        const file = join(dir, LOCK_FILE)
        const creating = !existsSync(file)
        db = new Database(file)
        if (creating) chmodSync(file, 0o600)
        db.pragma("busy_timeout = 0")
        // Nothing is ever written to it: no rollback journal beside it.
        db.pragma("journal_mode = OFF")
        db.pragma("locking_mode = EXCLUSIVE")
        db.exec("BEGIN EXCLUSIVE")
    } catch (e) {
        db?.close()
        if (sqliteCode(e)?.startsWith("SQLITE_BUSY")) throw new StorageError(`another payment server is running on data folder ${dir}`)
        throw new StorageError(`cannot lock data folder ${dir}: ${(e as Error).message}`)
    }
    const held = db
    return { release: () => held.close() }
}
