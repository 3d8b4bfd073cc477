// Versioned schema migrations: the SQL files in migrations/<engine>/, named NNNN-what.sql, applied in
// order at start-up, each in one transaction with the version it brings the database to (SQLite's
// user_version; PostgreSQL's schema_version table). A database whose version is newer than the
// newest file here was written by a newer server: it is refused rather than used with a schema
// this code does not know.

import type Database from "better-sqlite3"
import type pg from "pg"
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

/** The advisory lock (class, object) that serialises migrations of processes starting at once on one PostgreSQL database. */
export const PG_LOCK_CLASS = 0x41435044
const PG_MIGRATION_LOCK = 100

/**
 * Brings a PostgreSQL database up to the newest schema; returns the version it was at. Each
 * migration runs in its own transaction under a transaction-level advisory lock, and the version
 * is read under that lock, so that servers starting together apply each migration once.
 */
export async function migratePostgres(db: pg.ClientBase, where: string, list: Migration[] = migrations("postgres")): Promise<number> {
    const newest = list.length
    let first = -1
    for (;;) {
        await db.query("BEGIN")
        try {
            await db.query("SELECT pg_advisory_xact_lock($1, $2)", [PG_LOCK_CLASS, PG_MIGRATION_LOCK])
            await db.query("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            const at = Number((await db.query("SELECT coalesce(max(version), 0) AS v FROM schema_version")).rows[0].v)
            if (first < 0) first = at
            if (at > newest) {
                throw new StorageError(`database ${where} has schema version ${at}, newer than this server knows (${newest}): run the newer server that wrote it`)
            }
            if (at === newest) {
                await db.query("COMMIT")
                return first
            }
            await db.query(list[at].sql)
            await db.query("INSERT INTO schema_version (version) VALUES ($1)", [list[at].version])
            await db.query("COMMIT")
        } catch (e) {
            await db.query("ROLLBACK").catch(() => {})
            throw e
        }
    }
}
