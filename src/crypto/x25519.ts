// X25519 (RFC 7748): Diffie-Hellman on Curve25519 with the Montgomery ladder, in bytecode (the
// DeviceScript runtime has no public-key primitive).
//
// Per RFC 7748 section 5: the scalar is clamped (bits 0-2 and 255 cleared, bit 254 set), the
// u-coordinate's top bit is masked and a non-canonical u (>= p) is accepted and reduced. Section
// 6.1's check is applied: an all-zero shared secret (a low-order or zero u) is refused with
// X25519ZeroSharedSecretError, so a caller cannot derive keys from a value an attacker forced.
//
// Constant time: the ladder runs all 255 steps for every scalar and swaps its two points with
// feCswap (an arithmetic mask), so neither the branches nor the memory accesses depend on the
// scalar's bits; the final inversion uses a fixed addition chain.
//
// Slices: one ladder step is five multiplications, four squarings and one multiplication by a24
// (field25519-unrolled.ts), two swaps and eight additions: about 16K VM steps (eight steps in one
// slice stay under the VM's 128K-step limit, nine do not); the ladder yields before every
// STEPS_PER_SLICE steps and the inversion every 30 squarings, so no slice goes past about 90K of
// the 128K steps. `yieldSlice` is the platform's yield (the device passes ds.sleep(0)); Node
// needs none.

import { clampScalar } from "./scalar25519"
import { edScalarMultBase, edToMontgomeryU } from "./edwards25519"
import { feAdd, feCopy, feCswap, feInvert, feMul, fePack, feSmall, feSub, feUnpack, feZero, noYield } from "./field25519"
import { feMulSmall, feMulUnrolled, feSquareUnrolled } from "./field25519-unrolled"

/** Thrown when the shared secret is all zeros (RFC 7748 section 6.1): the peer's u is of low order. */
export class X25519ZeroSharedSecretError extends Error {
    constructor() {
        super("x25519: the shared secret is all zeros (low-order public key)")
        this.name = "X25519ZeroSharedSecretError"
    }
}

/** Ladder steps between two yields: about 81K VM steps. */
const STEPS_PER_SLICE = 5

/** (A - 2) / 4 for Curve25519's A = 486662 (RFC 7748 section 5). */
const A24 = 121665

function checkLength(b: Buffer, what: string): void {
    if (b.length !== 32) throw new RangeError("x25519: " + what + " must be 32 bytes")
}

/**
 * The ladder of RFC 7748 section 5 on (x2:z2), (x3:z3); returns the u-coordinate x2/z2, packed.
 * a24 = 121665 as in the RFC's formula z2 = E * (AA + a24 * E). The step's multiplications and
 * squarings are field25519-unrolled's straight-line forms; the final inversion is field25519's.
 */
async function ladder(k: Buffer, uBytes: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const x1 = feZero()
    feUnpack(x1, uBytes, 0)
    const x2 = feSmall(1)
    const z2 = feZero()
    const x3 = feZero()
    feCopy(x3, x1)
    const z3 = feSmall(1)
    const a = feZero()
    const aa = feZero()
    const b = feZero()
    const bb = feZero()
    const e = feZero()
    const c = feZero()
    const d = feZero()
    let swap = 0
    for (let t = 254; t >= 0; t--) {
        if ((254 - t) % STEPS_PER_SLICE === 0) await yieldSlice()
        const bit = (k[t >> 3] >> (t & 7)) & 1
        swap ^= bit
        feCswap(x2, x3, swap)
        feCswap(z2, z3, swap)
        swap = bit
        feAdd(a, x2, z2)
        feSquareUnrolled(aa, a)
        feSub(b, x2, z2)
        feSquareUnrolled(bb, b)
        feSub(e, aa, bb)
        feAdd(c, x3, z3)
        feSub(d, x3, z3)
        feMulUnrolled(d, d, a) // DA
        feMulUnrolled(c, c, b) // CB
        feAdd(x3, d, c)
        feSquareUnrolled(x3, x3)
        feSub(z3, d, c)
        feSquareUnrolled(z3, z3)
        feMulUnrolled(z3, z3, x1)
        feMulUnrolled(x2, aa, bb)
        feMulSmall(z2, e, A24)
        feAdd(z2, z2, aa)
        feMulUnrolled(z2, z2, e)
    }
    feCswap(x2, x3, swap)
    feCswap(z2, z3, swap)
    await feInvert(z2, z2, yieldSlice)
    feMul(x2, x2, z2)
    const out = Buffer.alloc(32)
    fePack(out, 0, x2)
    return out
}

/**
 * X25519(scalar, u): the shared secret of RFC 7748 section 5. Throws RangeError for inputs that
 * are not 32 bytes and X25519ZeroSharedSecretError for an all-zero result.
 */
export async function x25519(scalar: Buffer, u: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer> {
    checkLength(scalar, "scalar")
    checkLength(u, "u")
    const out = await ladder(clampScalar(scalar), u, yieldSlice)
    let acc = 0
    for (let i = 0; i < 32; i++) acc |= out[i]
    if (acc === 0) throw new X25519ZeroSharedSecretError()
    return out
}

/**
 * The public key X25519(scalar, 9) of a 32-byte private scalar. The base point's multiple comes
 * from the Edwards fixed-base table (edwards25519.ts) and is mapped to u = (1 + y)/(1 - y): about
 * 2.5 times fewer field operations than the ladder on u = 9, with the same constant-time property.
 */
export async function x25519PublicKey(scalar: Buffer, yieldSlice: () => Promise<void> = noYield): Promise<Buffer> {
    checkLength(scalar, "scalar")
    return await edToMontgomeryU((await edScalarMultBase(clampScalar(scalar), null, yieldSlice))[0], yieldSlice)
}
