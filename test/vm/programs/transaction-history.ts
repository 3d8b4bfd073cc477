// The canonical transaction history inside the DeviceScript VM.

import { transactionHistoryCases } from "../../shared/transaction-history-cases"
import { CryptoCase } from "../../shared/crypto-cases"
import { devicePlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

function add(c: CryptoCase): void {
    vmCase(c.name, async () => {
        await c.run({ hmacSha256: devicePlatform.hmacSha256, yieldSlice: devicePlatform.yieldSlice })
    })
}
transactionHistoryCases().forEach(add)
await runVmCases()
