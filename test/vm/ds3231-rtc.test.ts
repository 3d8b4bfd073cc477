// The DS3231 clock driver compiled to bytecode and run in the DeviceScript VM against the register
// file of test/shared/ds3231-cases.ts (the Node run is test/unit/ds3231-rtc.test.ts).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { ds3231Cases } from "../shared/ds3231-cases"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/ds3231-rtc.ts", "ds3231-rtc")
const run = await runTestMode(program, 120_000)

describe(`DS3231 clock driver inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, ds3231Cases().length)
})
