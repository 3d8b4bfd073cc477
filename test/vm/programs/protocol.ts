// EAP-AKA / EAP-AKA' peer and server exchanges inside the DeviceScript VM.

import { protocolCases } from "../../shared/protocol-cases"
import { CryptoCase } from "../../shared/crypto-cases"
import { devicePlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

protocolCases(devicePlatform).forEach((c: CryptoCase) =>
    vmCase(c.name, async () => {
        await c.run({ hmacSha256: devicePlatform.hmacSha256, yieldSlice: devicePlatform.yieldSlice })
    }),
)
await runVmCases()
