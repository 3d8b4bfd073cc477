// Node's native MD5 and HMAC-MD5 for the RADIUS authenticators of the servers and clients that
// run in Node; the bytecode MD5 (src/crypto/md5.ts) stays the device's and is what the vectors test.

import { createHash, createHmac } from "node:crypto"
import type { RadiusDigests } from "../../src/radius/authenticator"

export function nodeRadiusDigests(secret: Buffer): RadiusDigests {
    return {
        md5: (parts) => {
            const h = createHash("md5")
            for (const p of parts) h.update(p)
            return h.digest()
        },
        hmacMd5: (parts) => {
            const h = createHmac("md5", secret)
            for (const p of parts) h.update(p)
            return h.digest()
        },
    }
}
