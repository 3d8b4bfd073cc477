// Counts the SQL statements the payment server runs, for the benchmark's "statements per payment":
// better-sqlite3's prepared statements (SQLite, in the process: no network round trip), and the
// queries of node-postgres clients (PostgreSQL: each one a round trip to the database server),
// where that driver is installed. Transaction control (BEGIN/COMMIT) that better-sqlite3 issues
// itself is not a prepared statement and is counted by the store's commit statistics instead.

import Database from "better-sqlite3"

export interface SqlCounts {
    sqlite: number
    postgres: number
}

const counts: SqlCounts = { sqlite: 0, postgres: 0 }
let installed = false

function wrap(proto: Record<string, unknown>, names: string[], count: () => void): void {
    for (const name of names) {
        const original = proto[name] as (...args: unknown[]) => unknown
        proto[name] = function (this: unknown, ...args: unknown[]) {
            count()
            return original.apply(this, args)
        }
    }
}

/** Starts counting (once per process); every later call returns the running totals. */
export async function sqlCounter(): Promise<() => SqlCounts> {
    if (!installed) {
        installed = true
        const db = new Database(":memory:")
        wrap(Object.getPrototypeOf(db.prepare("SELECT 1")), ["run", "get", "all", "iterate"], () => counts.sqlite++)
        db.close()
        try {
            const moduleName = "pg" // the PostgreSQL engine's driver, when installed
            const pg = (await import(moduleName)).default
            wrap(pg.Client.prototype, ["query"], () => counts.postgres++)
        } catch {
            // no PostgreSQL driver in this tree
        }
    }
    return () => ({ ...counts })
}
