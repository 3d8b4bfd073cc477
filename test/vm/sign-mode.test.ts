// The transaction terminal's signing mode and its HTTP uplink compiled to bytecode and run in the
// DeviceScript VM (the Node suites: test/unit/sign-mode.test.ts, test/service/terminal-transactions.test.ts).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/sign-mode.ts", "sign-mode")
const run = await runTestMode(program, 120_000)

describe(`the terminal's signing mode inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, 4)
})
