// Compiles test/vm/programs/signing-key.ts with the real DeviceScript compiler and runs it in the
// real VM (test mode: GC stress on): sealing, unsealing and the split certificate store over the
// runtime's native HKDF and AES-256-CCM, giving the same bytes as node:crypto.

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { signingKeyCases } from "../shared/signing-key-cases"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/signing-key.ts", "signing-key")
const run = await runTestMode(program, 240_000)
const timing = run.lines.find((l) => l.startsWith("VMTIME")) ?? "no timing printed"

describe(`signing key inside the DeviceScript VM (image ${program.imageBytes} bytes; ${timing})`, () => {
    declareVmCases(run, signingKeyCases().length + 1)
})
