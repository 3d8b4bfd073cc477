// HMAC-SHA1 (RFC 2104). The inner and outer pad states are computed once per key, which saves
// two compressions per MAC: EAP-AKA verifies and computes several AT_MACs under one K_aut.

import { MAX_SYNC_BYTES, Sha1, sha1, sha1Compress, sha1InitialState } from "./sha1"

export interface HmacSha1Key {
    readonly inner: number[]
    readonly outer: number[]
}

export function hmacSha1Key(key: Buffer): HmacSha1Key {
    const k = key.length > 64 ? sha1(key) : key
    const pad = Buffer.alloc(64)
    for (let i = 0; i < 64; i++) pad[i] = (i < k.length ? k[i] : 0) ^ 0x36
    const inner = sha1InitialState()
    sha1Compress(inner, pad, 0)
    for (let i = 0; i < 64; i++) pad[i] ^= 0x36 ^ 0x5c
    const outer = sha1InitialState()
    sha1Compress(outer, pad, 0)
    return { inner: inner, outer: outer }
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
