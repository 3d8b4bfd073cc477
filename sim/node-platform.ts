// What differs in Node: HMAC-SHA-256 from @noble/hashes (the device uses its native one).

import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import type { HmacSha256 } from "../src/crypto/hmac-sha256"

export const nodeHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => {
    const h = hmac.create(sha256, key)
    for (const d of data) h.update(d)
    return Buffer.from(h.digest())
}
