// Compiles test/vm/programs/tls13.ts with the real DeviceScript compiler and runs the bytecode in
// the real VM: the TLS 1.3 key schedule, records and handshake readers against RFC 8448, as in Node.

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { tls13Cases } from "../shared/tls13-cases"
import { tls13HandshakeCases } from "../shared/tls13-handshake-cases"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/tls13.ts", "tls13")
const run = await runTestMode(program, 240_000)
const count = tls13Cases(
    () => Buffer.alloc(0),
    () => Buffer.alloc(0),
).length + tls13HandshakeCases().length

describe(`TLS 1.3 key schedule, records and handshake readers inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, count)
})
