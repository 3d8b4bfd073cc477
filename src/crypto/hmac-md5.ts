// HMAC-MD5 (RFC 2104): the RADIUS Message-Authenticator (RFC 3579 section 3.2). The inner and
// outer pad states are computed once per key, which saves two compressions per MAC: a RADIUS
// peer signs and verifies every packet under the same shared secret.

import { HmacPads, hmacPads } from "./md-hash"
import { Md5, md5, md5Absorb, md5Compress, md5Digest, md5InitialState, md5WriteDigest } from "./md5"

export type HmacMd5Key = HmacPads

export function hmacMd5Key(key: Buffer): HmacMd5Key {
    // A key longer than the 64-byte block is hashed first; md5() bounds it (RADIUS secrets are short).
    return hmacPads(md5Compress, md5InitialState(), key.length > 64 ? md5(key) : key)
}

/** Scratch states for the one-call HMAC (single-threaded, no await inside). */
const INNER = [0, 0, 0, 0]
const OUTER = [0, 0, 0, 0]
const INNER_DIGEST: Buffer[] = [Buffer.alloc(16)]

/** HMAC-MD5 over the concatenation of parts with a precomputed key (at most MAX_SYNC_BYTES in total). */
export function hmacMd5WithKey(key: HmacMd5Key, parts: Buffer[]): Buffer {
    for (let i = 0; i < 4; i++) {
        INNER[i] = key.inner[i]
        OUTER[i] = key.outer[i]
    }
    md5Absorb(INNER, 64, parts)
    md5WriteDigest(INNER, INNER_DIGEST[0])
    md5Absorb(OUTER, 64, INNER_DIGEST)
    return md5Digest(OUTER)
}

export function hmacMd5(key: Buffer, data: Buffer): Buffer {
    return hmacMd5WithKey(hmacMd5Key(key), [data])
}

/** HMAC-MD5 over parts of any total length, yielding between slices (see Md5.updateAsync). */
export async function hmacMd5Async(key: HmacMd5Key, parts: Buffer[], yieldSlice: () => Promise<void>): Promise<Buffer> {
    const h = new Md5(key.inner, 64)
    for (let i = 0; i < parts.length; i++) await h.updateAsync(parts[i], yieldSlice)
    return new Md5(key.outer, 64).update(h.digest()).digest()
}
