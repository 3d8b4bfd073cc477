// The crypto known-answer cases and the @noble random cases inside the DeviceScript VM:
// the bytecode is the firmware.

import { CryptoCase, cryptoCases } from "../../shared/crypto-cases"
import { randomCases } from "../../shared/random-cases"
import { aeadCases } from "../../shared/aead-cases"
import { RANDOM_CASES } from "./generated/random-cases"
import { deviceHmacSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }
function add(c: CryptoCase): void {
    vmCase(c.name, async () => {
        await c.run(env)
    })
}
cryptoCases().forEach(add)
randomCases(RANDOM_CASES).forEach(add)
aeadCases().forEach(add)
await runVmCases()
