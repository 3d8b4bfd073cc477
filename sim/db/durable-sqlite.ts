// One SQLite database file opened the way every durable store here needs it: created with mode
// 0600, WAL (readers beside one writer), synchronous=FULL (a commit is on disk when it returns),
// a busy timeout for other processes (an operator's query, a tool beside a running server),
// foreign keys on, and its schema brought up to date by its migrations.

import Database from "better-sqlite3"
import { chmodSync, existsSync } from "node:fs"
import { migrate, type Migration } from "./migrate"

/** Opens (creating when absent) and migrates `file`; closes it again and rethrows on any failure. */
export function openDurableSqlite(file: string, list: Migration[], busyTimeoutMs = 5000): Database.Database {
    const creating = !existsSync(file)
    const db = new Database(file)
    try {
        if (creating) chmodSync(file, 0o600)
        db.pragma(`busy_timeout = ${busyTimeoutMs}`)
        // journal_mode=WAL writes to the file: a read-only folder or file fails here.
        db.pragma("journal_mode = WAL")
        db.pragma("synchronous = FULL")
        db.pragma("foreign_keys = ON")
        migrate(db, file, list)
        return db
    } catch (e) {
        db.close()
        throw e
    }
}
