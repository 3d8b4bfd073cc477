// Node's native MD5 and HMAC-MD5 for the RADIUS authenticators of the servers and clients that
// run in Node; the bytecode MD5 (src/crypto/md5.ts) stays the device's and is what the vectors test.

import { createHash } from "node:crypto"
import type { RadiusDigests } from "../../src/radius/authenticator"
import { PrecomputedHmac } from "../node-hmac"

export function nodeRadiusDigests(secret: Buffer): RadiusDigests {
    const hmac = new PrecomputedHmac("md5", secret)
    return {
        md5: (parts) => {
            const h = createHash("md5")
            for (const p of parts) h.update(p)
            return h.digest()
        },
        hmacMd5: (parts) => hmac.digest(parts),
    }
}
