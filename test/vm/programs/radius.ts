// The MD5/HMAC-MD5 vectors and the RADIUS codec/authenticator cases inside the DeviceScript VM:
// the terminal's bytecode held to RFC 1321, RFC 2202, the RFC 2865 examples and FreeRADIUS packets.

import { md5Cases, SharedCase } from "../../shared/md5-cases"
import { radiusCases } from "../../shared/radius-cases"
import { yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { yieldSlice: yieldSlice }
function add(c: SharedCase): void {
    vmCase(c.name, async () => {
        await c.run(env)
    })
}
md5Cases().forEach(add)
radiusCases().forEach(add)
await runVmCases()
