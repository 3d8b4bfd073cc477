// PostgreSQL for the test suites: a real server, named by ACTIVECARD_TEST_PG_URL (a database on it
// that the tests may connect to and create databases from, e.g. postgres://postgres@127.0.0.1:5432/postgres;
// .ci/run starts a throwaway cluster and sets it). Each suite makes its own database with a random
// name and drops it afterwards, so suites run in parallel. Without the variable the PostgreSQL
// suites are skipped, and say so.

import { randomBytes } from "node:crypto"
import pg from "pg"

export const PG_URL = process.env.ACTIVECARD_TEST_PG_URL || undefined

/** Prints why a PostgreSQL suite does not run (vitest shows the suite as skipped, this says why). */
export function noteSkipped(suite: string): void {
    if (PG_URL === undefined) console.log(`${suite}: skipped, no PostgreSQL (set ACTIVECARD_TEST_PG_URL=postgres://USER@HOST:PORT/postgres; .ci/run starts one)`)
}

/** `base` with another database name. */
export function withDatabase(base: string, name: string): string {
    const u = new URL(base)
    u.pathname = "/" + name
    return u.toString()
}

async function admin<R>(run: (c: pg.Client) => Promise<R>): Promise<R> {
    if (PG_URL === undefined) throw new Error("ACTIVECARD_TEST_PG_URL is not set")
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    try {
        return await run(c)
    } finally {
        await c.end()
    }
}

/** A new empty database; drop() removes it (ending its connections first). */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
    const name = "activecard_test_" + randomBytes(6).toString("hex")
    await admin((c) => c.query(`CREATE DATABASE ${name}`))
    return {
        url: withDatabase(PG_URL!, name),
        name,
        drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
    }
}

/** Runs SQL directly on a test database (what an operator's psql would do). */
export async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
        return await c.query(text, values)
    } finally {
        await c.end()
    }
}
