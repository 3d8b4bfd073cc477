// How the server benchmark finds the PostgreSQL server to measure (bench/bench-setup.ts).

import { describe, expect, test } from "vitest"
import { benchPostgresUrl, postgresSkipReason, withDatabase } from "../../bench/bench-setup"

describe("benchmark on PostgreSQL", () => {
    test("ACTIVECARD_BENCH_PG_URL first, then ACTIVECARD_DB_URL; none: skipped with what to set", () => {
        expect(benchPostgresUrl({ ACTIVECARD_BENCH_PG_URL: "postgres://a/x", ACTIVECARD_DB_URL: "postgres://b/y" })).toBe("postgres://a/x")
        expect(benchPostgresUrl({ ACTIVECARD_DB_URL: "postgres://b/y" })).toBe("postgres://b/y")
        expect(benchPostgresUrl({})).toBeNull()
        expect(postgresSkipReason(null)).toBe("set ACTIVECARD_BENCH_PG_URL")
    })

    test("a run's own database: the URL's database name replaced, everything else kept", () => {
        expect(withDatabase("postgres://u:p@db.example:5433/activecard?sslmode=require", "bench1")).toBe("postgres://u:p@db.example:5433/bench1?sslmode=require")
        expect(withDatabase("postgresql://u@/postgres?host=/tmp/pg", "bench1")).toBe("postgresql://u@/bench1?host=/tmp/pg")
        expect(withDatabase("postgres://localhost", "bench1")).toBe("postgres://localhost/bench1")
        expect(() => withDatabase("mysql://localhost/x", "bench1")).toThrow(/postgres/)
    })
})
