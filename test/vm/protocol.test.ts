// The EAP-AKA / EAP-AKA' peer and server, and the EAP-TLS fragments, compiled to bytecode and run
// in the DeviceScript VM.

import { describe } from "vitest"
import { buildProgram, runTestMode } from "../../sim/vm/devs-cli"
import { protocolCases } from "../shared/protocol-cases"
import { apduCases } from "../shared/apdu-cases"
import { linkFramingCases } from "../shared/link-framing-cases"
import { formatErrorCases } from "../shared/format-error-cases"
import { eapTlsCases } from "../shared/eap-tls-cases"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { declareVmCases } from "../support/vm-cases"

const program = await buildProgram("test/vm/programs/protocol.ts", "protocol")
const run = await runTestMode(program, 240_000)

describe(`EAP-AKA protocol, EAP-TLS fragments, card application and terminal relay inside the DeviceScript VM (image ${program.imageBytes} bytes)`, () => {
    declareVmCases(run, protocolCases(nodeAkaPlatform).length + apduCases(nodeAkaPlatform).length + linkFramingCases().length + formatErrorCases(nodeAkaPlatform).length + eapTlsCases().length)
})
