// The card's TLS 1.3 key schedule, record protection and handshake readers inside the
// DeviceScript VM, against RFC 8448 section 3, on the native HMAC-SHA-256 and SHA-256.

import { tls13Cases } from "../../shared/tls13-cases"
import { tls13HandshakeCases } from "../../shared/tls13-handshake-cases"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }
tls13Cases(deviceHmacSha256, deviceSha256).forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})
tls13HandshakeCases().forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})
await runVmCases()
