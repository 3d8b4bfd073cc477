// The vending machine's application compiled to bytecode and run in the DeviceScript VM (the Node
// suite: test/unit/vending-app.test.ts).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/vending-app.ts", "vending-app")
const run = await runTestMode(program, 120_000)

describe(`the vending machine's application inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, 4)
})
