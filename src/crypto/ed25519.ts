// Ed25519 (RFC 8032 section 5.1): key generation, signing and verification in bytecode.
//
// Verification rules (strict RFC 8032, as Project Wycheproof and OpenSSL apply them):
//   - the signature is 64 bytes and the public key 32, else false;
//   - S < L (5.1.7 step 1), else false: no malleable S;
//   - A decodes strictly (5.1.3): y < p, a square root exists, no x = 0 with the sign bit set;
//   - R is not decoded but compared as bytes with the encoding of [S]B - [k]A, so a
//     non-canonical R (y >= p, or x = 0 with the sign bit) never matches;
//   - the equation is the cofactorless [S]B = R + [k]A; small-order A and R are not refused
//     (RFC 8032 does not require it).
// Verification never throws on malformed input: every failure answers false.
//
// Signing is deterministic (the nonce r is SHA-512(prefix || M) mod L: no random number for a
// card to get wrong). The secret scalar a and the nonce r only enter edScalarMultBase (masked
// table selection), scalarMulAdd (fixed loops) and SHA-512 (no data-dependent branches), so the
// steps taken do not depend on the seed. The public key A is recomputed from the seed on each
// signature, together with R: the two fixed-base multiplications share their table reads
// (edScalarMultBase of two scalars) and one inversion (edEncodeTwo).

import { edDecode, edDoubleScalarMultVartime, edEncodeTwo, edOddMultiples, edScalarMultBase } from "./edwards25519"
import { feNeg, noYield } from "./field25519"
import { clampScalar, scalarIsCanonical, scalarMulAdd, scalarReduce64 } from "./scalar25519"
import { sha512Async } from "./sha512"
import { copyOf } from "../bytes"

/** SHA-512 of parts, then a yield: the hash's last compressions leave no steps to the caller's slice. */
async function hash(parts: Buffer[], yieldSlice: () => Promise<void>): Promise<Buffer> {
    const h = await sha512Async(parts, yieldSlice)
    await yieldSlice()
    return h
}

/** The secret scalar a (clamped first half of SHA-512(seed)) and the nonce prefix (second half). */
async function expandSeed(seed: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer[]> {
    if (seed.length !== 32) throw new RangeError("ed25519: the seed must be 32 bytes")
    const h = await hash([seed], yieldSlice)
    return [clampScalar(copyOf(h, 0, 32)), copyOf(h, 32, 64)]
}

/** The 32-byte public key of a 32-byte seed (RFC 8032 5.1.5). */
export async function ed25519PublicKey(seed: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer> {
    const expanded = await expandSeed(seed, yieldSlice)
    const a = (await edScalarMultBase(expanded[0], null, yieldSlice))[0]
    return (await edEncodeTwo(a, a, yieldSlice))[0]
}

/** The 64-byte signature R || S of message by seed's key (RFC 8032 5.1.6). */
export async function ed25519Sign(seed: Buffer, message: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer> {
    const expanded = await expandSeed(seed, yieldSlice)
    const a = expanded[0]
    const r = scalarReduce64(await hash([expanded[1], message], yieldSlice))
    const points = await edScalarMultBase(r, a, yieldSlice)
    const encoded = await edEncodeTwo(points[0], points[1], yieldSlice)
    const rBytes = encoded[0]
    const k = scalarReduce64(await hash([rBytes, encoded[1], message], yieldSlice))
    await yieldSlice()
    const sig = Buffer.alloc(64)
    sig.set(rBytes, 0)
    sig.set(scalarMulAdd(k, a, r), 32)
    return sig
}

/**
 * The odd multiples of -A for verification, or null when the public key does not decode. The
 * decoded point lives only in this frame: the multiplication that follows holds just the packed
 * multiples.
 */
async function negatedKeyMultiples(publicKey: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer | null> {
    const a = await edDecode(publicKey, yieldSlice)
    if (a === null) return null
    feNeg(a.x, a.x)
    feNeg(a.t, a.t)
    await yieldSlice()
    return await edOddMultiples(a, yieldSlice)
}

/** True exactly when signature is a valid Ed25519 signature of message under publicKey. */
export async function ed25519Verify(publicKey: Buffer, message: Buffer, signature: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<boolean> {
    if (publicKey.length !== 32 || signature.length !== 64) return false
    const s = copyOf(signature, 32, 64)
    if (!scalarIsCanonical(s)) return false
    const minusA = await negatedKeyMultiples(publicKey, yieldSlice)
    if (minusA === null) return false
    const rBytes = copyOf(signature, 0, 32)
    const k = scalarReduce64(await hash([rBytes, publicKey, message], yieldSlice))
    // [S]B + [k](-A) must encode to R.
    const sum = await edDoubleScalarMultVartime(s, k, minusA, yieldSlice)
    const check = (await edEncodeTwo(sum, sum, yieldSlice))[0]
    let diff = 0
    for (let i = 0; i < 32; i++) diff |= check[i] ^ rBytes[i]
    return diff === 0
}
