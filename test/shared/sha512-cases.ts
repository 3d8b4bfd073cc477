// The SHA-512 cases, written once and run twice: by vitest in Node (test/unit/sha512.test.ts) and
// inside the DeviceScript VM (test/vm/programs/pubkey-vectors.ts). Portable code only.
//
// Known answers from FIPS 180-2 and NIST CAVP (test/vectors/sha512.ts) through every entry point,
// the synchronous bound, and random messages whose expected digests come from @noble/hashes
// (test/support/pubkey-random-noble.ts makes them). Every synchronous hash runs in its own VM
// slice (a yield after each): one call is bounded to fit half a slice, not several in a row.

import type { CaseEnv, CryptoCase } from "./crypto-cases"
import { SHA512_VECTORS, Sha512Vector } from "../vectors/sha512"
import { MAX_SYNC_BYTES, Sha512, sha512, sha512Async } from "../../src/crypto/sha512"
import { copyOf, fromHex, toHex } from "../../src/bytes"

export interface Sha512RandomCase {
    /** Hex. */
    message: string
    /** Hex, from @noble/hashes. */
    digest: string
}

/** The random public-key cases of one run, from a seed; other algorithms add their fields beside sha512. */
export interface Sha512RandomCases {
    seed: string
    sha512: Sha512RandomCase[]
}

/** Where the two-part cases cut a message: around the 112-byte padding limit and the 128-byte block. */
const SPLITS = [0, 1, 111, 112, 127, 128, 129]

/** Bytes hashed per updateAsync call for a repeated message (each call yields before every slice). */
const LONG_CHUNK = 2048

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

function repeatHex(hex: string, n: number): Buffer {
    const unit = fromHex(hex)
    const out = Buffer.alloc(unit.length * n)
    for (let i = 0; i < n; i++) out.set(unit, i * unit.length)
    return out
}

/** Whether f throws a RangeError. */
function throwsRange(f: () => void): boolean {
    try {
        f()
    } catch (e) {
        return e instanceof RangeError
    }
    return false
}

/** A message of one part through every entry point, with a yield after each hash. */
async function allEntryPoints(m: Buffer, digest: string, env: CaseEnv): Promise<void> {
    eq(sha512(m), digest, "sha512")
    await env.yieldSlice()
    for (let i = 0; i < SPLITS.length; i++) {
        const s = SPLITS[i]
        if (s > m.length) continue
        eq(new Sha512().update(copyOf(m, 0, s)).update(copyOf(m, s)).digest(), digest, "update split at " + s)
        await env.yieldSlice()
    }
    const third = Math.floor(m.length / 3)
    eq(await sha512Async([copyOf(m, 0, third), copyOf(m, third, 2 * third), copyOf(m, 2 * third)], env.yieldSlice), digest, "sha512Async in three parts")
    await env.yieldSlice()
    // A byte at a time: every partial-block path of the buffer.
    const h = new Sha512()
    for (let i = 0; i < m.length; i++) {
        if (i % 64 === 0) await env.yieldSlice()
        h.update(copyOf(m, i, i + 1))
    }
    await env.yieldSlice()
    eq(h.digest(), digest, "byte-wise")
}

/** A repeated message through updateAsync, LONG_CHUNK bytes per call, never held whole. */
async function longMessage(v: Sha512Vector, env: CaseEnv): Promise<void> {
    const unitBytes = v.message.length / 2
    const per = Math.max(1, Math.floor(LONG_CHUNK / unitBytes))
    const chunk = repeatHex(v.message, per)
    const h = new Sha512()
    let left = v.repeat
    while (left >= per) {
        await h.updateAsync(chunk, env.yieldSlice)
        left -= per
    }
    if (left > 0) await h.updateAsync(repeatHex(v.message, left), env.yieldSlice)
    eq(h.digest(), v.digest, "digest")
}

export function sha512Cases(): CryptoCase[] {
    const cases: CryptoCase[] = []
    SHA512_VECTORS.forEach((v) => {
        if (v.repeat === 1) {
            cases.push({
                name: "SHA-512 " + v.name + ": sha512, update split at 0/1/111/112/127/128/129, sha512Async in parts, byte-wise",
                run: async (env) => {
                    await allEntryPoints(fromHex(v.message), v.digest, env)
                },
            })
        } else {
            cases.push({
                name: "SHA-512 " + v.name + " through Sha512.updateAsync",
                run: async (env) => {
                    await longMessage(v, env)
                },
            })
        }
    })
    cases.push({
        name: "SHA-512 input limit: sha512 and update at MAX_SYNC_BYTES fit one VM slice, one byte more is a RangeError",
        run: async (env) => {
            const m = Buffer.alloc(MAX_SYNC_BYTES + 1)
            for (let i = 0; i < m.length; i++) m[i] = i & 0xff
            const atLimit = copyOf(m, 0, MAX_SYNC_BYTES)
            const expected = toHex(await sha512Async([atLimit], env.yieldSlice))
            await env.yieldSlice()
            eq(sha512(atLimit), expected, "sha512 at the limit")
            await env.yieldSlice()
            // The most one update call compresses: 127 bytes already buffered, then MAX_SYNC_BYTES.
            const h = new Sha512().update(copyOf(m, 0, 127))
            await env.yieldSlice()
            h.update(atLimit)
            await env.yieldSlice()
            const joined = await sha512Async([copyOf(m, 0, 127), atLimit], env.yieldSlice)
            eq(h.digest(), toHex(joined), "update of MAX_SYNC_BYTES after 127 buffered")
            await env.yieldSlice()
            ok(throwsRange(() => sha512(m)), "sha512 of MAX_SYNC_BYTES + 1 was not a RangeError")
            ok(throwsRange(() => new Sha512().update(m)), "update of MAX_SYNC_BYTES + 1 was not a RangeError")
            const whole = await sha512Async([m], env.yieldSlice)
            const parts = await sha512Async([copyOf(m, 0, 1), copyOf(m, 1)], env.yieldSlice)
            eq(whole, toHex(parts), "sha512Async over the limit, whole and in parts")
        },
    })
    cases.push({
        name: "SHA-512 takes no input after its digest",
        run: () => {
            const h = new Sha512().update(fromHex("616263"))
            eq(h.digest(), SHA512_VECTORS[0].digest, "digest")
            let refused = false
            try {
                h.update(Buffer.alloc(1))
            } catch (e) {
                refused = true
            }
            ok(refused, "update after digest was accepted")
        },
    })
    return cases
}

/** Random messages of every length class against @noble/hashes: one-shot or async by size, and in two parts. */
export function sha512RandomCases(r: Sha512RandomCases): CryptoCase[] {
    const cases: CryptoCase[] = []
    cases.push({
        name: "SHA-512 = @noble/hashes on " + r.sha512.length + " random messages (seed " + r.seed + ")",
        run: async (env) => {
            for (let i = 0; i < r.sha512.length; i++) {
                const c = r.sha512[i]
                const m = fromHex(c.message)
                const what = "case " + i + " (" + m.length + " bytes)"
                if (m.length <= MAX_SYNC_BYTES) eq(sha512(m), c.digest, what)
                else eq(await sha512Async([m], env.yieldSlice), c.digest, what + " async")
                await env.yieldSlice()
                const cut = Math.floor(m.length / 2) + (i % 3)
                const at = cut > m.length ? m.length : cut
                const h = new Sha512()
                await h.updateAsync(copyOf(m, 0, at), env.yieldSlice)
                await h.updateAsync(copyOf(m, at), env.yieldSlice)
                eq(h.digest(), c.digest, what + " in two parts cut at " + at)
                await env.yieldSlice()
            }
        },
    })
    return cases
}
