// The card's EAP-TLS 1.3 peer inside the DeviceScript VM, replaying an exchange recorded in Node
// against the payment server's EAP-TLS session (test/support/eap-tls-vectors.ts writes it).

import { eapTlsReplayCases } from "../../shared/eap-tls-replay-cases"
import { EAP_TLS_VECTORS } from "./generated/eap-tls-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }
eapTlsReplayCases(EAP_TLS_VECTORS, { hmac: deviceHmacSha256, sha256: deviceSha256 }).forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})
await runVmCases()
