// The card's AT modem driver compiled to bytecode and run in the DeviceScript VM against the
// scripted serial line of test/shared/at-modem-cases.ts (the Node run is test/unit/at-modem-driver.test.ts).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { atModemCases } from "../shared/at-modem-cases"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/at-modem.ts", "at-modem")
const run = await runTestMode(program, 120_000)

describe(`AT modem driver inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, atModemCases().length)
})
