// The MD5 and HMAC-MD5 known-answer cases, written once and run twice: by vitest in Node
// (test/unit/md5.test.ts) and inside the DeviceScript VM (test/vm/radius.test.ts, with the RADIUS
// cases). Portable code only.
//
// They run in their own VM program rather than in test/shared/crypto-cases.ts because the
// crypto-vectors VM program has no GC heap left for them: it holds every case and the random
// cases at once and leaves about 8 KB of the VM's ~62 KB test heap free, and importing even the
// 14 vector objects made it run out of memory (measured with bench/programs/heap-fill.ts).

import { HMAC_MD5_VECTORS, MD5_VECTORS } from "../vectors/md5"
import { MAX_SYNC_BYTES, Md5, md5, md5Parts, md5PartsAsync } from "../../src/crypto/md5"
import { hmacMd5, hmacMd5Async, hmacMd5Key, hmacMd5WithKey } from "../../src/crypto/hmac-md5"
import { copyOf, fromHex, toHex } from "../../src/bytes"

/** What a case may use: the way to end the current VM slice (a resolved promise in Node). */
export interface SharedCaseEnv {
    yieldSlice: () => Promise<void>
}

/** Same shape as CryptoCase (test/shared/crypto-cases.ts), without importing that module into the VM program. */
export interface SharedCase {
    name: string
    run: (env: SharedCaseEnv) => void | Promise<void>
}

export function eqHex(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

export function check(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** Runs f and reports whether it threw (optionally: an error whose name or class test passes). */
export function throws(f: () => void): boolean {
    try {
        f()
    } catch (e) {
        return true
    }
    return false
}

export function md5Cases(): SharedCase[] {
    const cases: SharedCase[] = []
    MD5_VECTORS.forEach((v) => {
        cases.push({
            name: "MD5 " + v.name,
            run: async (env) => {
                const m = fromHex(v.message)
                eqHex(md5(m), v.digest, "one-shot")
                // A byte at a time (every partial-block path), then through the async path.
                const h = new Md5()
                for (let i = 0; i < m.length; i++) h.update(copyOf(m, i, i + 1))
                eqHex(h.digest(), v.digest, "byte-wise")
                eqHex(await md5PartsAsync([m], env.yieldSlice), v.digest, "async")
            },
        })
    })
    HMAC_MD5_VECTORS.forEach((v) => {
        cases.push({
            name: "HMAC-MD5 " + v.name,
            run: async (env) => {
                eqHex(hmacMd5(fromHex(v.key), fromHex(v.data)), v.mac, "one-shot")
                const key = hmacMd5Key(fromHex(v.key))
                const data = fromHex(v.data)
                const half = Math.floor(data.length / 2)
                eqHex(hmacMd5WithKey(key, [copyOf(data, 0, half), copyOf(data, half)]), v.mac, "precomputed key, two parts")
                eqHex(await hmacMd5Async(key, [data], env.yieldSlice), v.mac, "async")
            },
        })
    })
    // Each synchronous entry point at its largest input runs in its own VM slice: it must not
    // trip the VM's 128K-step limit. One byte more is refused with a RangeError.
    cases.push({
        name: "input limit: md5 and md5Parts at MAX_SYNC_BYTES fit one VM slice, one more byte is refused",
        run: async (env) => {
            check(md5(Buffer.alloc(MAX_SYNC_BYTES)).length === 16, "md5 at the limit")
            await env.yieldSlice()
            // Unaligned parts take the byte-copy path: the slowest way to the limit.
            check(md5Parts([Buffer.alloc(1), Buffer.alloc(MAX_SYNC_BYTES - 1)]).length === 16, "md5Parts at the limit")
            check(throws(() => md5(Buffer.alloc(MAX_SYNC_BYTES + 1))), "md5 over the limit not refused")
            check(throws(() => md5Parts([Buffer.alloc(MAX_SYNC_BYTES), Buffer.alloc(1)])), "md5Parts over the limit not refused")
        },
    })
    cases.push({
        name: "input limit: hmacMd5 with a long key at MAX_SYNC_BYTES fits one VM slice, one more byte is refused",
        run: () => {
            check(hmacMd5(Buffer.alloc(100), Buffer.alloc(MAX_SYNC_BYTES)).length === 16, "hmacMd5 at the limit")
            check(throws(() => hmacMd5(Buffer.alloc(16), Buffer.alloc(MAX_SYNC_BYTES + 1))), "hmacMd5 over the limit not refused")
        },
    })
    cases.push({
        name: "MD5 of 5000 bytes through updateAsync and md5PartsAsync (crossing VM slices)",
        run: async (env) => {
            // Bytes i & 0xff; the digest was computed with Python's hashlib.
            const m = Buffer.alloc(5000)
            for (let i = 0; i < m.length; i++) {
                m[i] = i & 0xff
                if ((i & 1023) === 1023) await env.yieldSlice()
            }
            await env.yieldSlice()
            eqHex((await new Md5().updateAsync(m, env.yieldSlice)).digest(), "d00321d3eb2086742076e4386efbefb4", "updateAsync")
            // Unaligned parts: the second one goes through the partial-block path in every slice.
            const parts = [copyOf(m, 0, 1), copyOf(m, 1, 2500)]
            await env.yieldSlice()
            parts.push(copyOf(m, 2500, 4999))
            await env.yieldSlice()
            parts.push(copyOf(m, 4999))
            eqHex(await md5PartsAsync(parts, env.yieldSlice), "d00321d3eb2086742076e4386efbefb4", "md5PartsAsync")
        },
    })
    return cases
}
