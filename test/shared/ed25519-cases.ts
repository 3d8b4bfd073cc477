// The Ed25519 cases, written once and run twice: by vitest in Node (test/unit/ed25519.test.ts) and
// inside the DeviceScript VM (test/vm/programs/pubkey-vectors.ts). Portable code only.
//
// Known answers from RFC 8032 section 7.1 (test/vectors/ed25519.ts): the public key from the seed,
// the deterministic signature, and verification. Then signatures that verification must refuse
// under RFC 8032 section 5.1.7 (decode A and R, refuse S >= L, check [S]B = R + [k]A): a changed
// message, signature or key, a non-canonical S (S + L), point encodings that do not decode, and
// non-canonical point encodings (y >= p) that a verifier reducing y mod p would accept. Malformed
// input makes ed25519Verify answer false, never throw. Random inputs whose expected values come
// from @noble/curves are in ed25519RandomCases (test/support/pubkey-random-noble.ts makes them).

import type { CaseEnv, CryptoCase } from "./crypto-cases"
import { ED25519_VECTORS } from "../vectors/ed25519"
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "../../src/crypto/ed25519"
import { copyOf, fromHex, toHex } from "../../src/bytes"

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

/** A copy of `b` with bit `bit` (0 = the least significant bit of byte 0) flipped. */
export function flipBit(b: Buffer, bit: number): Buffer {
    const out = copyOf(b)
    out[bit >> 3] ^= 1 << (bit & 7)
    return out
}

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L_HEX = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"

/** The signature with S replaced by S + L (S < L, so the sum fits 256 bits): the same [S]B. */
function withSPlusL(signature: Buffer): Buffer {
    const out = copyOf(signature)
    const l = fromHex(L_HEX)
    let carry = 0
    for (let i = 0; i < 32; i++) {
        const t = out[32 + i] + l[i] + carry
        out[32 + i] = t & 0xff
        carry = t >> 8
    }
    if (carry !== 0) throw new Error("S + L overflows 256 bits")
    return out
}

/** Runs verify and fails unless it answers `expected` (a throw is a failure too). */
async function expectVerify(env: CaseEnv, publicKey: Buffer, message: Buffer, signature: Buffer, expected: boolean, what: string): Promise<void> {
    let got: boolean
    try {
        got = await ed25519Verify(publicKey, message, signature, env.yieldSlice)
    } catch (e: any) {
        throw new Error(what + ": verify threw " + (e && e.message ? e.message : "" + e) + ", expected " + expected)
    }
    if (got !== expected) throw new Error(what + ": verify answered " + got + ", expected " + expected)
}

/** The error name of `f`'s rejection, or "" when it resolves. */
async function rejectionName(f: () => Promise<Buffer>): Promise<string> {
    try {
        await f()
    } catch (e: any) {
        return e && e.name ? e.name : "error"
    }
    return ""
}

/** Signing and deriving the public key with an n-byte seed are refused with RangeError. */
async function expectSeedLengthRejected(n: number, env: CaseEnv): Promise<void> {
    const seed = Buffer.alloc(n)
    const n1 = await rejectionName(async () => await ed25519PublicKey(seed, env.yieldSlice))
    if (n1 !== "RangeError") throw new Error("public key of a " + n + "-byte seed: " + (n1 === "" ? "resolved" : n1))
    const n2 = await rejectionName(async () => await ed25519Sign(seed, Buffer.alloc(1), env.yieldSlice))
    if (n2 !== "RangeError") throw new Error("signature with a " + n + "-byte seed: " + (n2 === "" ? "resolved" : n2))
}

// Encodings built for the cases below (little-endian y, bit 255 the sign of x; p = 2^255 - 19).
/** y = 2: (y^2 - 1) / (d y^2 + 1) has no square root, so no point has this y. */
const NO_POINT = "0200000000000000000000000000000000000000000000000000000000000000"
/** The neutral element (0, 1), canonical. */
const IDENTITY = "0100000000000000000000000000000000000000000000000000000000000000"
/** The neutral element with y = p + 1 >= p: non-canonical, refused by RFC 8032 5.1.3 step 1. */
const IDENTITY_Y_P_PLUS_1 = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
/** x = 0 with the sign bit set ("-0"): refused by RFC 8032 5.1.3 step 4. */
const IDENTITY_NEGATIVE_ZERO = "0100000000000000000000000000000000000000000000000000000000000080"
const S_ZERO = "0000000000000000000000000000000000000000000000000000000000000000"

/**
 * Signatures on the empty message under TEST 1's key (secret scalar a) whose R is the neutral
 * element, computed with @noble/curves' arithmetic (not RFC values): S = k * a mod L with
 * k = SHA-512(R || A || M) mod L, so [S]B = R + [k]A holds for the decoded R. The first encodes R
 * canonically and is valid; the second encodes R as y = p + 1 and must be refused, although a
 * verifier that reduces y mod p would accept it (@noble/curves with zip215 does).
 */
const R_IDENTITY_SIGNATURE = IDENTITY + "756cf9b1d6f0d7a979b9d2af3dc2bc1294ec7cb6daa20eaff534c024fc57920f"
const R_NON_CANONICAL_SIGNATURE = IDENTITY_Y_P_PLUS_1 + "3fdd9411ef77c7b937c975b1193128983db0482a002663080c0dd63cf3466c06"

export function ed25519Cases(): CryptoCase[] {
    const cases: CryptoCase[] = []
    ED25519_VECTORS.forEach((v) => {
        cases.push({
            name: "Ed25519 " + v.name + ": public key from the seed",
            run: async (env) => eq(await ed25519PublicKey(fromHex(v.secretKey), env.yieldSlice), v.publicKey, "public key"),
        })
        cases.push({
            name: "Ed25519 " + v.name + ": signature",
            run: async (env) => eq(await ed25519Sign(fromHex(v.secretKey), fromHex(v.message), env.yieldSlice), v.signature, "signature"),
        })
        cases.push({
            name: "Ed25519 " + v.name + ": verify is true",
            run: async (env) => await expectVerify(env, fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature), true, "RFC signature"),
        })
    })
    const t1 = ED25519_VECTORS[0]
    const t2 = ED25519_VECTORS[1]
    const t1024 = ED25519_VECTORS[3]
    cases.push({
        name: "Ed25519 verify is false for a flipped message bit (TEST 2, TEST 1024)",
        run: async (env) => {
            await expectVerify(env, fromHex(t2.publicKey), flipBit(fromHex(t2.message), 0), fromHex(t2.signature), false, "TEST 2 message bit 0")
            await expectVerify(env, fromHex(t1024.publicKey), flipBit(fromHex(t1024.message), 4000), fromHex(t1024.signature), false, "TEST 1024 message bit 4000")
        },
    })
    cases.push({
        name: "Ed25519 verify is false for a message one byte longer (TEST 1 with a zero byte)",
        run: async (env) => await expectVerify(env, fromHex(t1.publicKey), Buffer.alloc(1), fromHex(t1.signature), false, "TEST 1 + 00"),
    })
    cases.push({
        name: "Ed25519 verify is false for a flipped signature bit in R and in S (TEST 2)",
        run: async (env) => {
            const sig = fromHex(t2.signature)
            const pk = fromHex(t2.publicKey)
            const m = fromHex(t2.message)
            await expectVerify(env, pk, m, flipBit(sig, 0), false, "R bit 0")
            await expectVerify(env, pk, m, flipBit(sig, 100), false, "R bit 100")
            await expectVerify(env, pk, m, flipBit(sig, 256), false, "S bit 0")
            await expectVerify(env, pk, m, flipBit(sig, 400), false, "S bit 144")
        },
    })
    cases.push({
        name: "Ed25519 verify is false under another public key (TEST 1's signature, TEST 2's key)",
        run: async (env) => await expectVerify(env, fromHex(t2.publicKey), fromHex(t1.message), fromHex(t1.signature), false, "wrong key"),
    })
    cases.push({
        name: "Ed25519 verify is false for a non-canonical S = S + L (same [S]B), every RFC vector",
        run: async (env) => {
            for (let i = 0; i < ED25519_VECTORS.length; i++) {
                const v = ED25519_VECTORS[i]
                await expectVerify(env, fromHex(v.publicKey), fromHex(v.message), withSPlusL(fromHex(v.signature)), false, v.name + " with S + L")
            }
        },
    })
    cases.push({
        name: "Ed25519 verify is false for S with its top three bits set (S >= 2^253 > L)",
        run: async (env) => {
            const sig = fromHex(t1.signature)
            sig[63] |= 0xe0
            await expectVerify(env, fromHex(t1.publicKey), fromHex(t1.message), sig, false, "S | 0xe0 << 248")
            const top = fromHex(t1.signature)
            top[63] |= 0x80
            await expectVerify(env, fromHex(t1.publicKey), fromHex(t1.message), top, false, "S | 2^255")
        },
    })
    cases.push({
        name: "Ed25519 verify is false, without throwing, for a signature or key of the wrong length",
        run: async (env) => {
            const sig = fromHex(t1.signature)
            const pk = fromHex(t1.publicKey)
            const m = fromHex(t1.message)
            await expectVerify(env, pk, m, copyOf(sig, 0, 63), false, "63-byte signature")
            const long = Buffer.alloc(65)
            long.set(sig, 0)
            await expectVerify(env, pk, m, long, false, "65-byte signature (RFC signature + 00)")
            await expectVerify(env, pk, m, Buffer.alloc(0), false, "empty signature")
            await expectVerify(env, copyOf(pk, 0, 31), m, sig, false, "31-byte public key")
            const longKey = Buffer.alloc(33)
            longKey.set(pk, 0)
            await expectVerify(env, longKey, m, sig, false, "33-byte public key (RFC key + 00)")
            await expectVerify(env, Buffer.alloc(0), m, sig, false, "empty public key")
        },
    })
    cases.push({
        name: "Ed25519 verify is false for a public key or R that does not decode (y = 2, no x)",
        run: async (env) => {
            await expectVerify(env, fromHex(NO_POINT), fromHex(t1.message), fromHex(t1.signature), false, "public key y = 2")
            const sig = fromHex(t1.signature)
            sig.set(fromHex(NO_POINT), 0)
            await expectVerify(env, fromHex(t1.publicKey), fromHex(t1.message), sig, false, "R with y = 2")
        },
    })
    cases.push({
        name: "Ed25519 R = neutral element, canonical (computed with @noble): verify is true",
        run: async (env) => await expectVerify(env, fromHex(t1.publicKey), fromHex(t1.message), fromHex(R_IDENTITY_SIGNATURE), true, "R = (0, 1)"),
    })
    cases.push({
        name: "Ed25519 verify is false for a non-canonical R (y = p + 1) that satisfies the equation once reduced",
        run: async (env) => await expectVerify(env, fromHex(t1.publicKey), fromHex(t1.message), fromHex(R_NON_CANONICAL_SIGNATURE), false, "R with y = p + 1"),
    })
    cases.push({
        name: "Ed25519 verify is false for a non-canonical public key (y = p + 1, or x = -0) with R = (0, 1), S = 0; true for A = (0, 1)",
        run: async (env) => {
            // With A and R the neutral element and S = 0, [S]B = R + [k]A holds for any message:
            // only the refused encodings of A make these false.
            const sig = fromHex(IDENTITY + S_ZERO)
            // The canonical encoding verifies: ed25519.ts does not refuse a small-order A (RFC 8032
            // does not require it), so the two below fail on their encodings alone.
            await expectVerify(env, fromHex(IDENTITY), fromHex("616263"), sig, true, "A = (0, 1), canonical")
            await expectVerify(env, fromHex(IDENTITY_Y_P_PLUS_1), fromHex("616263"), sig, false, "A with y = p + 1")
            await expectVerify(env, fromHex(IDENTITY_NEGATIVE_ZERO), fromHex("616263"), sig, false, "A = (-0, 1)")
        },
    })
    cases.push({
        name: "Ed25519 sign and public key refuse a seed that is not 32 bytes with RangeError",
        run: async (env) => {
            const lengths = [0, 31, 33, 64]
            for (let i = 0; i < lengths.length; i++) await expectSeedLengthRejected(lengths[i], env)
        },
    })
    cases.push({
        name: "Ed25519 sign then verify: a fresh signature verifies, the seed and message are not modified",
        run: async (env) => {
            const seed = fromHex(t1024.secretKey)
            const m = fromHex(t1024.message)
            const pk = await ed25519PublicKey(seed, env.yieldSlice)
            const sig = await ed25519Sign(seed, m, env.yieldSlice)
            await expectVerify(env, pk, m, sig, true, "own signature")
            eq(seed, t1024.secretKey, "seed after signing")
            eq(m, t1024.message, "message after signing")
        },
    })
    return cases
}

/** One random key and message with the public key and signature from @noble/curves. */
export interface Ed25519RandomSignature {
    seed: string
    message: string
    publicKey: string
    signature: string
}

/** A valid signature with one bit flipped in the message, signature or public key. */
export interface Ed25519RandomTampered {
    /** What was flipped, e.g. "signature bit 301". */
    tampered: string
    publicKey: string
    message: string
    signature: string
}

export interface Ed25519RandomCases {
    seed: string
    signatures: Ed25519RandomSignature[]
    tampered: Ed25519RandomTampered[]
}

export function ed25519RandomCases(r: Ed25519RandomCases): CryptoCase[] {
    const tag = " (seed " + r.seed + ")"
    return [
        {
            name: "Ed25519 public key, signature and verify = @noble/curves on " + r.signatures.length + " random seeds and messages" + tag,
            run: async (env) => {
                for (let i = 0; i < r.signatures.length; i++) {
                    const c = r.signatures[i]
                    const what = "case " + i + " (" + c.message.length / 2 + "-byte message)"
                    const seed = fromHex(c.seed)
                    const m = fromHex(c.message)
                    eq(await ed25519PublicKey(seed, env.yieldSlice), c.publicKey, what + " public key")
                    eq(await ed25519Sign(seed, m, env.yieldSlice), c.signature, what + " signature")
                    await expectVerify(env, fromHex(c.publicKey), m, fromHex(c.signature), true, what)
                }
            },
        },
        {
            name: "Ed25519 verify is false on " + r.tampered.length + " random signatures with one bit flipped" + tag,
            run: async (env) => {
                for (let i = 0; i < r.tampered.length; i++) {
                    const c = r.tampered[i]
                    await expectVerify(env, fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature), false, "case " + i + " " + c.tampered)
                }
            },
        },
    ]
}
