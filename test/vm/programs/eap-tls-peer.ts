// The card's EAP-TLS 1.3 peer inside the DeviceScript VM, replaying exchanges recorded in Node
// against the payment server's EAP-TLS session, without and with a payment
// (test/support/eap-tls-vectors.ts writes them).

import { eapTlsPaymentReplayCases, eapTlsReplayCases } from "../../shared/eap-tls-replay-cases"
import { EAP_TLS_PAYMENT_VECTORS, EAP_TLS_VECTORS } from "./generated/eap-tls-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }
const hash = { hmac: deviceHmacSha256, sha256: deviceSha256 }
eapTlsReplayCases(EAP_TLS_VECTORS, hash).concat(eapTlsPaymentReplayCases(EAP_TLS_PAYMENT_VECTORS, hash)).forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})
await runVmCases()
