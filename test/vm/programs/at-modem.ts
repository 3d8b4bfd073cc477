// The card's AT modem driver inside the DeviceScript VM, against a scripted serial line.

import { atModemCases } from "../../shared/at-modem-cases"
import { CryptoCase } from "../../shared/crypto-cases"
import { devicePlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

function add(c: CryptoCase): void {
    vmCase(c.name, async () => {
        await c.run({ hmacSha256: devicePlatform.hmacSha256, yieldSlice: devicePlatform.yieldSlice })
    })
}
atModemCases().forEach(add)
await runVmCases()
