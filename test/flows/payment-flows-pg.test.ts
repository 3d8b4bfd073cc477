// The payment flows (payment-flows-cases.ts) with the server's storage on a real PostgreSQL
// (ACTIVECARD_TEST_PG_URL), EAP sessions kept in the database: a new database for each case.
// Skipped, saying so, without PostgreSQL.

import { describe } from "vitest"
import { createTestDatabase, noteSkipped, PG_URL } from "../support/pg-database"
import { startWorld } from "../support/payment-world"
import { paymentFlows } from "./payment-flows-cases"

noteSkipped("payment flows on PostgreSQL")

describe.skipIf(PG_URL === undefined)("payment flows on PostgreSQL", () => {
    paymentFlows(async () => {
        const db = await createTestDatabase()
        return await startWorld(1_000_000, { db: db.url, dispose: db.drop })
    })
})
