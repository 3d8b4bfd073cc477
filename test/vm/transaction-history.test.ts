// The canonical transaction history compiled to bytecode and run in the DeviceScript VM (the same
// cases as test/unit/transaction-history.test.ts).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { transactionHistoryCases } from "../shared/transaction-history-cases"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/transaction-history.ts", "transaction-history")
const run = await runTestMode(program, 120_000)

describe(`transaction history inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, transactionHistoryCases().length)
})
