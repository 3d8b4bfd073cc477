// HMAC with the key's pad states hashed once and copied per message: node:crypto's createHmac
// sets the key up again on every call, which dominated the server's profile (RFC 2104 allows the
// precomputation; the result is the same HMAC).

import { createHash, Hash } from "node:crypto"

const BLOCK = 64 // MD5, SHA-1 and SHA-256 all have 64-byte blocks

export class PrecomputedHmac {
    private readonly inner: Hash
    private readonly outer: Hash

    constructor(
        private readonly algorithm: "md5" | "sha256",
        key: Buffer,
    ) {
        const k = key.length > BLOCK ? createHash(algorithm).update(key).digest() : key
        const ipad = Buffer.alloc(BLOCK, 0x36)
        const opad = Buffer.alloc(BLOCK, 0x5c)
        for (let i = 0; i < k.length; i++) {
            ipad[i] ^= k[i]
            opad[i] ^= k[i]
        }
        this.inner = createHash(algorithm).update(ipad)
        this.outer = createHash(algorithm).update(opad)
    }

    digest(parts: Buffer[]): Buffer {
        const h = this.inner.copy()
        for (const p of parts) h.update(p)
        return this.outer.copy().update(h.digest()).digest()
    }
}

/** Random bytes from a refilled pool: one system call per 4 KB instead of one per request. */
export function pooledRandom(randomFill: (b: Buffer) => void): (n: number) => Buffer {
    let pool = Buffer.alloc(0)
    let used = 0
    return (n: number) => {
        if (n > 1024) {
            const b = Buffer.alloc(n)
            randomFill(b)
            return b
        }
        if (used + n > pool.length) {
            pool = Buffer.alloc(4096)
            randomFill(pool)
            used = 0
        }
        const out = Buffer.from(pool.subarray(used, used + n))
        pool.fill(0, used, used + n) // handed-out bytes do not linger in the pool
        used += n
        return out
    }
}
