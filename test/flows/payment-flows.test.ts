// The payment flows (payment-flows-cases.ts) on the default storage: SQLite in a data folder.

import { describe } from "vitest"
import { startWorld } from "../support/payment-world"
import { paymentFlows } from "./payment-flows-cases"

describe("payment flows on SQLite", () => {
    paymentFlows(() => startWorld())
})
