// The vending board's DS3231 clock driver inside the DeviceScript VM, against the register file
// of test/shared/ds3231-cases.ts.

import { ds3231Cases } from "../../shared/ds3231-cases"
import { CryptoCase } from "../../shared/crypto-cases"
import { devicePlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

function add(c: CryptoCase): void {
    vmCase(c.name, async () => {
        await c.run({ hmacSha256: devicePlatform.hmacSha256, yieldSlice: devicePlatform.yieldSlice })
    })
}
ds3231Cases().forEach(add)
await runVmCases()
