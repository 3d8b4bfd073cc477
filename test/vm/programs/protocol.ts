// EAP-AKA / EAP-AKA' peer and server exchanges, and EAP-TLS fragments, inside the DeviceScript VM.

import { protocolCases } from "../../shared/protocol-cases"
import { apduCases } from "../../shared/apdu-cases"
import { linkFramingCases } from "../../shared/link-framing-cases"
import { formatErrorCases } from "../../shared/format-error-cases"
import { eapTlsCases } from "../../shared/eap-tls-cases"
import { CryptoCase } from "../../shared/crypto-cases"
import { devicePlatform } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

function add(c: CryptoCase): void {
    vmCase(c.name, async () => {
        await c.run({ hmacSha256: devicePlatform.hmacSha256, yieldSlice: devicePlatform.yieldSlice })
    })
}
protocolCases(devicePlatform).forEach(add)
apduCases(devicePlatform).forEach(add)
linkFramingCases().forEach(add)
formatErrorCases(devicePlatform).forEach(add)
eapTlsCases().forEach(add)
await runVmCases()
