// The card's EAP-TLS 1.3 peer inside the DeviceScript VM, replaying exchanges recorded in Node
// against the payment server's EAP-TLS session: without and with a payment, and a payment resumed
// with a recorded ticket (test/support/eap-tls-vectors.ts writes them).

import { eapTlsPaymentReplayCases, eapTlsReplayCases, eapTlsResumedReplayCases } from "../../shared/eap-tls-replay-cases"
import { EAP_TLS_PAYMENT_VECTORS, EAP_TLS_RESUMED_VECTORS, EAP_TLS_VECTORS } from "./generated/eap-tls-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../../devices/common/platform"
import { CryptoCase } from "../../shared/crypto-cases"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }
const hash = { hmac: deviceHmacSha256, sha256: deviceSha256 }

/** Each case a VM case. */
function declare(cases: CryptoCase[]): void {
    cases.forEach((c) => {
        vmCase(c.name, async () => {
            await c.run(env)
        })
    })
}

// The recordings go into two images (the simulator deploys at most 110,464 bytes): each program
// holds the ones it is built with, the others null.
const alone = EAP_TLS_VECTORS
if (alone !== null) declare(eapTlsReplayCases(alone, hash))
const payment = EAP_TLS_PAYMENT_VECTORS
if (payment !== null) declare(eapTlsPaymentReplayCases(payment, hash))
const resumed = EAP_TLS_RESUMED_VECTORS
if (resumed !== null) declare(eapTlsResumedReplayCases(resumed, hash))
await runVmCases()
