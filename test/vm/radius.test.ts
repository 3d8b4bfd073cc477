// Compiles test/vm/programs/radius.ts with the real DeviceScript compiler and runs the bytecode in
// the real VM: MD5 and HMAC-MD5 (RFC 1321, RFC 2202), and the RADIUS codec and authenticators
// (RFC 2865 examples, FreeRADIUS radclient packets, the synchronous limits in one VM slice).

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { md5Cases } from "../shared/md5-cases"
import { radiusCases } from "../shared/radius-cases"
import { declareVmCases } from "../support/vm-cases"

const expected = md5Cases().length + radiusCases().length
const program = await buildProgram("test/vm/programs/radius.ts", "radius")
const run = await runTestMode(program, 240_000)

describe(`MD5 and RADIUS inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, expected)
})
