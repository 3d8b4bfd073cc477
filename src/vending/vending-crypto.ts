// The hashes and the signature check the vending machine's verification needs, injected so that
// the same code runs in bytecode on the machine and with node:crypto in fast Node tests. The
// bytecode set is the project's own: SHA-1 (CertID hashes, RFC 6960 4.1.1), SHA-512 (the CMS
// message digest, RFC 8419 3.1) and Ed25519 verification (RFC 8032 5.1.7).

import { ed25519Verify } from "../crypto/ed25519"
import { sha1Parts } from "../crypto/sha1"
import { sha512Async } from "../crypto/sha512"

export interface VendingCrypto {
    /** SHA-1 of the concatenation of parts (at most 512 bytes: names and keys). */
    sha1: (parts: Buffer[]) => Buffer
    /** SHA-512 of the concatenation of parts, yielding between slices. */
    sha512: (parts: Buffer[], yieldSlice: () => Promise<void>) => Promise<Buffer>
    /** True exactly when `signature` is a valid Ed25519 signature of `message` under `publicKey`. */
    ed25519Verify: (publicKey: Buffer, message: Buffer, signature: Buffer, yieldSlice: () => Promise<void>) => Promise<boolean>
    yieldSlice: () => Promise<void>
}

/** The bytecode implementations with the platform's yield. */
export function bytecodeVendingCrypto(yieldSlice: () => Promise<void>): VendingCrypto {
    return { sha1: sha1Parts, sha512: sha512Async, ed25519Verify: ed25519Verify, yieldSlice: yieldSlice }
}
