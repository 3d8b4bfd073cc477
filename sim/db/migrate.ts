// Versioned schema migrations: the SQL files in migrations/<engine>/, named NNNN-what.sql, applied in
// order at start-up, each in one transaction with the version it brings the database to (SQLite's
// user_version). A database whose version is newer than the newest file here was written by a
// newer server: it is refused rather than used with a schema this code does not know.

import type Database from "better-sqlite3"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { StorageError } from "./storage"

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations")

export interface Migration {
    version: number
    name: string
    sql: string
}

/** The migrations for an engine, in version order; versions must run 1, 2, 3 ... without gaps. */
export function migrations(engine: string, dir = join(MIGRATIONS_DIR, engine)): Migration[] {
    const list = readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .map((name) => {
            const m = /^(\d{4})-[a-z0-9-]+\.sql$/.exec(name)
            if (!m) throw new Error(`migration file name ${name} is not NNNN-name.sql`)
            return { version: Number(m[1]), name, sql: readFileSync(join(dir, name), "utf8") }
        })
        .sort((a, b) => a.version - b.version)
    list.forEach((m, i) => {
        if (m.version !== i + 1) throw new Error(`migrations in ${dir}: expected version ${i + 1}, found ${m.name}`)
    })
    return list
}

/** Brings a SQLite database up to the newest schema; returns the version it was at. */
export function migrate(db: Database.Database, file: string, list: Migration[] = migrations("sqlite")): number {
    const current = db.pragma("user_version", { simple: true }) as number
    const newest = list.length
    if (current > newest) {
        throw new StorageError(`database ${file} has schema version ${current}, newer than this server knows (${newest}): run the newer server that wrote it`)
    }
    // The version is read again under the write lock: another process (provisioning beside a
    // server starting on a new folder) may have applied a migration in between.
    const step = db.transaction(() => {
        const at = db.pragma("user_version", { simple: true }) as number
        if (at >= newest) return false
        db.exec(list[at].sql)
        db.pragma(`user_version = ${list[at].version}`)
        return true
    })
    while (step.immediate()) {
        // one migration per transaction
    }
    return current
}
