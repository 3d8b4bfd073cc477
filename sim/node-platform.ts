// What differs in Node: HMAC-SHA-256 and SHA-256 from node:crypto (native, like the device's
// runtime; the tests check them against RFC 4231 and @noble/hashes), randomness from node:crypto,
// and a yield that is just a resolved promise.

import { createHash, createHmac, randomFillSync } from "node:crypto"
import { pooledRandom } from "./node-random"
import type { HmacSha256 } from "../src/crypto/hmac-sha256"
import type { Sha256 } from "../src/crypto/sha256"
import type { AkaPlatform } from "../src/eap/aka-crypto"

export const nodeHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => {
    const h = createHmac("sha256", key)
    for (const d of data) h.update(d)
    return h.digest()
}

export const nodeRandomBytes = pooledRandom((b) => randomFillSync(b))

export const nodeSha256: Sha256 = (data: Buffer[]) => {
    const h = createHash("sha256")
    for (const d of data) h.update(d)
    return h.digest()
}

export const nodeAkaPlatform: AkaPlatform = {
    hmacSha256: nodeHmacSha256,
    sha256: nodeSha256,
    randomBytes: nodeRandomBytes,
    yieldSlice: async () => {},
}
