// The X25519 cases, written once and run twice: by vitest in Node (test/unit/x25519.test.ts) and
// inside the DeviceScript VM (test/vm/programs/pubkey-vectors.ts). Portable code only.
//
// Known answers from RFC 7748 (test/vectors/x25519.ts), the properties the RFC requires of every
// implementation (clamping, the masked top bit of u, non-canonical u reduced mod p, both sides of
// a Diffie-Hellman exchange agreeing), the input checks (RangeError for a length other than 32,
// X25519ZeroSharedSecretError for an all-zero shared secret, RFC 7748 section 6.1), and random
// inputs whose expected values come from @noble/curves (test/support/pubkey-random-noble.ts).

import type { CaseEnv, CryptoCase } from "./crypto-cases"
import { X25519_DH, X25519_ITERATED, X25519_ITERATED_START, X25519_VECTORS } from "../vectors/x25519"
import { x25519, x25519PublicKey } from "../../src/crypto/x25519"
import { fromHex, toHex } from "../../src/bytes"

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** The error `f` rejects with, or null when it resolves. */
async function rejection(f: () => Promise<Buffer>): Promise<any> {
    try {
        await f()
    } catch (e) {
        return e
    }
    return null
}

/** Fails unless `f` rejects with an error named `name`. */
async function expectRejects(f: () => Promise<Buffer>, name: string, what: string): Promise<void> {
    const e = await rejection(f)
    if (e === null) throw new Error(what + ": resolved, expected " + name)
    const got = e.name
    if (got !== name) throw new Error(what + ": threw " + got + " (" + e.message + "), expected " + name)
}

/**
 * k after n iterations of RFC 7748 section 5.2's iterated test (k = X25519(k, u), u = old k),
 * checking k against every known value passed on the way.
 */
async function x25519Iterate(n: number, known: { iterations: number; k: string }[], env: CaseEnv): Promise<Buffer> {
    let k = fromHex(X25519_ITERATED_START)
    let u = fromHex(X25519_ITERATED_START)
    for (let i = 1; i <= n; i++) {
        const next = await x25519(k, u, env.yieldSlice)
        u = k
        k = next
        for (let j = 0; j < known.length; j++) {
            if (known[j].iterations === i) eq(k, known[j].k, "k after " + i + " iterations")
        }
    }
    return k
}

/** The iterated test run to n iterations (1, 1,000 or 1,000,000: the values RFC 7748 5.2 gives). */
export function x25519IteratedCase(n: number): CryptoCase {
    let expected = ""
    X25519_ITERATED.forEach((v) => {
        if (v.iterations === n) expected = v.k
    })
    if (expected === "") throw new RangeError("RFC 7748 gives no value after " + n + " iterations")
    return {
        name: "X25519 RFC 7748 5.2 iterated test after " + n + " iteration" + (n === 1 ? "" : "s"),
        run: async (env) => {
            eq(await x25519Iterate(n, X25519_ITERATED, env), expected, "k after " + n + " iterations")
        },
    }
}

/** The bytes of `hex` with the bits of `mask` set in byte `index`. */
function withBits(hex: string, index: number, mask: number): Buffer {
    const b = fromHex(hex)
    b[index] |= mask
    return b
}

/** A scalar, a u and a private key for the public key, each of n bytes, are refused with RangeError. */
async function expectWrongLengthRejected(n: number, env: CaseEnv): Promise<void> {
    const k = fromHex(X25519_VECTORS[0].scalar)
    const u = fromHex(X25519_VECTORS[0].u)
    const bad = Buffer.alloc(n)
    await expectRejects(async () => await x25519(bad, u, env.yieldSlice), "RangeError", "scalar of " + n + " bytes")
    await expectRejects(async () => await x25519(k, bad, env.yieldSlice), "RangeError", "u of " + n + " bytes")
    await expectRejects(async () => await x25519PublicKey(bad, env.yieldSlice), "RangeError", "public key of a " + n + "-byte scalar")
}

/** u-coordinates of low order (and their non-canonical encodings): X25519 with them is all zero. */
const ZERO_SHARED_U: { name: string; u: string }[] = [
    { name: "u = 0", u: "0000000000000000000000000000000000000000000000000000000000000000" },
    { name: "u = 1", u: "0100000000000000000000000000000000000000000000000000000000000000" },
    { name: "u of order 8 (e0eb7a7c...)", u: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800" },
    { name: "u of order 8 (5f9c95bc...)", u: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157" },
    { name: "u = p - 1 (order 2)", u: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
    { name: "u = p (non-canonical 0)", u: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
    { name: "u = p + 1 (non-canonical 1)", u: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
    { name: "u = 2^255 (0 once the top bit is masked)", u: "0000000000000000000000000000000000000000000000000000000000000080" },
]

export interface X25519CaseOptions {
    /**
     * Also run the iterated test to this many iterations (1,000: Node runs it in about a second;
     * the VM, at 0.2 s or more per X25519, runs only the first). One iteration always runs.
     */
    iterations?: number
}

export function x25519Cases(options?: X25519CaseOptions): CryptoCase[] {
    const cases: CryptoCase[] = []
    X25519_VECTORS.forEach((v) => {
        cases.push({
            name: "X25519 " + v.name,
            run: async (env) => eq(await x25519(fromHex(v.scalar), fromHex(v.u), env.yieldSlice), v.output, "X25519(k, u)"),
        })
    })
    cases.push(x25519IteratedCase(1))
    const n = options && options.iterations ? options.iterations : 1
    if (n !== 1) cases.push(x25519IteratedCase(n))
    cases.push({
        name: "X25519 RFC 7748 6.1: Alice's and Bob's public keys and their shared secret, both ways",
        run: async (env) => {
            const a = fromHex(X25519_DH.alicePrivate)
            const b = fromHex(X25519_DH.bobPrivate)
            eq(await x25519PublicKey(a, env.yieldSlice), X25519_DH.alicePublic, "Alice's public key")
            eq(await x25519PublicKey(b, env.yieldSlice), X25519_DH.bobPublic, "Bob's public key")
            eq(await x25519(a, fromHex(X25519_DH.bobPublic), env.yieldSlice), X25519_DH.shared, "Alice's shared secret")
            eq(await x25519(b, fromHex(X25519_DH.alicePublic), env.yieldSlice), X25519_DH.shared, "Bob's shared secret")
        },
    })
    cases.push({
        name: "X25519 Diffie-Hellman symmetry: X25519(a, pub(b)) = X25519(b, pub(a)), pub(a) = X25519(a, 9)",
        run: async (env) => {
            // The scalars of the two RFC 7748 5.2 vectors, used as private keys.
            const a = fromHex(X25519_VECTORS[0].scalar)
            const b = fromHex(X25519_VECTORS[1].scalar)
            const pa = await x25519PublicKey(a, env.yieldSlice)
            const pb = await x25519PublicKey(b, env.yieldSlice)
            const nine = Buffer.alloc(32)
            nine[0] = 9
            eq(await x25519(a, nine, env.yieldSlice), toHex(pa), "X25519(a, 9)")
            const ab = await x25519(a, pb, env.yieldSlice)
            eq(await x25519(b, pa, env.yieldSlice), toHex(ab), "X25519(b, pub(a))")
        },
    })
    cases.push({
        name: "X25519 clamping: scalar bits 0-2, 254 and 255 do not change the result",
        run: async (env) => {
            const v = X25519_VECTORS[0]
            // Bits 0, 1, 2, 254 and 255 flipped: clamping clears or sets each of them.
            const k = fromHex(v.scalar)
            k[0] ^= 7
            k[31] ^= 0xc0
            eq(await x25519(k, fromHex(v.u), env.yieldSlice), v.output, "X25519 with unclamped bits flipped")
            eq(await x25519PublicKey(k, env.yieldSlice), toHex(await x25519PublicKey(fromHex(v.scalar), env.yieldSlice)), "public key with unclamped bits flipped")
        },
    })
    cases.push({
        name: "X25519 u: the top bit is masked and a non-canonical u (p + 9) is reduced mod p",
        run: async (env) => {
            const v = X25519_VECTORS[0]
            const k = fromHex(v.scalar)
            eq(await x25519(k, withBits(v.u, 31, 0x80), env.yieldSlice), v.output, "u with bit 255 set")
            // p + 9 = 2^255 - 10: the same point as u = 9, so the result is the public key.
            const p9 = fromHex("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
            eq(await x25519(k, p9, env.yieldSlice), toHex(await x25519PublicKey(k, env.yieldSlice)), "X25519(k, p + 9)")
        },
    })
    cases.push({
        name: "X25519 inputs that are not 32 bytes throw RangeError",
        run: async (env) => {
            const lengths = [0, 31, 33, 64]
            for (let i = 0; i < lengths.length; i++) await expectWrongLengthRejected(lengths[i], env)
        },
    })
    ZERO_SHARED_U.forEach((z) => {
        cases.push({
            name: "X25519 all-zero shared secret throws X25519ZeroSharedSecretError: " + z.name,
            run: async (env) => {
                const k = fromHex(X25519_DH.alicePrivate)
                await expectRejects(async () => await x25519(k, fromHex(z.u), env.yieldSlice), "X25519ZeroSharedSecretError", z.name)
            },
        })
    })
    return cases
}

/** One random X25519 computation with its result from @noble/curves. */
export interface X25519RandomShared {
    scalar: string
    u: string
    shared: string
}

export interface X25519RandomPublicKey {
    scalar: string
    publicKey: string
}

export interface X25519RandomCases {
    seed: string
    shared: X25519RandomShared[]
    publicKeys: X25519RandomPublicKey[]
}

export function x25519RandomCases(r: X25519RandomCases): CryptoCase[] {
    const tag = " (seed " + r.seed + ")"
    return [
        {
            name: "X25519 = @noble/curves on " + r.shared.length + " random scalars and u" + tag,
            run: async (env) => {
                for (let i = 0; i < r.shared.length; i++) {
                    const c = r.shared[i]
                    eq(await x25519(fromHex(c.scalar), fromHex(c.u), env.yieldSlice), c.shared, "case " + i + " scalar " + c.scalar + " u " + c.u)
                }
            },
        },
        {
            name: "X25519 public key = @noble/curves on " + r.publicKeys.length + " random scalars" + tag,
            run: async (env) => {
                for (let i = 0; i < r.publicKeys.length; i++) {
                    const c = r.publicKeys[i]
                    const scalar = fromHex(c.scalar)
                    eq(await x25519PublicKey(scalar, env.yieldSlice), c.publicKey, "case " + i + " scalar " + c.scalar)
                    ok(toHex(scalar) === c.scalar, "case " + i + ": the scalar was modified")
                }
            },
        },
    ]
}

