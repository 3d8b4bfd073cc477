// What differs in Node: HMAC-SHA-256 and SHA-256 from @noble/hashes (the device uses its native
// ones), randomness from node:crypto, and a yield that is just a resolved promise.

import { randomBytes } from "node:crypto"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import type { HmacSha256 } from "../src/crypto/hmac-sha256"
import type { Sha256 } from "../src/crypto/sha256"
import type { AkaPlatform } from "../src/eap/aka-crypto"

export const nodeHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => {
    const h = hmac.create(sha256, key)
    for (const d of data) h.update(d)
    return Buffer.from(h.digest())
}

export const nodeSha256: Sha256 = (data: Buffer[]) => {
    const h = sha256.create()
    for (const d of data) h.update(d)
    return Buffer.from(h.digest())
}

export const nodeAkaPlatform: AkaPlatform = {
    hmacSha256: nodeHmacSha256,
    sha256: nodeSha256,
    randomBytes: (n: number) => randomBytes(n),
    yieldSlice: async () => {},
}
