// HMAC-SHA1 (RFC 2104). The inner and outer pad states are computed once per key, which saves
// two compressions per MAC: EAP-AKA verifies and computes several AT_MACs under one K_aut.

import { HmacPads, hmacPads } from "./md-hash"
import { MAX_SYNC_BYTES, Sha1, sha1, sha1Compress, sha1InitialState } from "./sha1"

export type HmacSha1Key = HmacPads

export function hmacSha1Key(key: Buffer): HmacSha1Key {
    return hmacPads(sha1Compress, sha1InitialState(), key.length > 64 ? sha1(key) : key)
}

/** HMAC-SHA1 over the concatenation of parts with a precomputed key. */
export function hmacSha1WithKey(key: HmacSha1Key, parts: Buffer[]): Buffer {
    const h = new Sha1(key.inner, 64)
    let n = 0
    for (let i = 0; i < parts.length; i++) {
        n += parts[i].length
        if (n > MAX_SYNC_BYTES) throw new RangeError("hmacSha1: input over " + MAX_SYNC_BYTES + " bytes")
        h.update(parts[i])
    }
    return new Sha1(key.outer, 64).update(h.digest()).digest()
}

export function hmacSha1(key: Buffer, data: Buffer): Buffer {
    return hmacSha1WithKey(hmacSha1Key(key), [data])
}

/** HMAC-SHA1 over parts of any total length, yielding between slices (see Sha1.updateAsync). */
export async function hmacSha1Async(key: HmacSha1Key, parts: Buffer[], yieldSlice: () => Promise<void>): Promise<Buffer> {
    const h = new Sha1(key.inner, 64)
    for (let i = 0; i < parts.length; i++) await h.updateAsync(parts[i], yieldSlice)
    return new Sha1(key.outer, 64).update(h.digest()).digest()
}
