// What differs on the device: the runtime's native SHA-256 / HMAC-SHA-256, HKDF, AES-256-CCM and
// random bytes, and the VM's way of yielding between slices.

import * as ds from "@devicescript/core"
import { decrypt, encrypt, sha256Hkdf } from "@devicescript/crypto"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { Sha256 } from "../../src/crypto/sha256"
import { AkaPlatform } from "../../src/eap/aka-crypto"

// The runtime's native SHA-256 and random bytes, called directly: @devicescript/crypto wraps the
// same builtins in argument checks (about 250 bytes of bytecode), and the native digest already
// takes a list of parts, so nothing is concatenated first.
type NativeDigest = typeof Buffer & {
    digest(key: Buffer | undefined, algorithm: "sha256", parts: Buffer[]): Buffer
}
type RandomFill = Buffer & { fillRandom(): void }

export const deviceHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => (Buffer as NativeDigest).digest(key, "sha256", data)

export const deviceSha256: Sha256 = (data: Buffer[]) => (Buffer as NativeDigest).digest(undefined, "sha256", data)

function randomBytes(length: number): Buffer {
    const b = Buffer.alloc(length)
    ;(b as RandomFill).fillRandom()
    return b
}

/** Ends the current VM slice (the VM panics after 128K steps without one). */
export async function yieldSlice(): Promise<void> {
    await ds.sleep(0)
}

export const devicePlatform: AkaPlatform = {
    hmacSha256: deviceHmacSha256,
    sha256: deviceSha256,
    randomBytes: randomBytes,
    yieldSlice: yieldSlice,
    log: (line: string) => {
        console.log(line)
    },
}

/** HKDF-SHA-256 (RFC 5869), one 32-byte block, over the native HMAC-SHA-256. */
export function deviceHkdf(ikm: Buffer, salt: Buffer, info: Buffer): Buffer {
    return sha256Hkdf(ikm, info, salt)
}

export function deviceAesCcmEncrypt(key: Buffer, nonce: Buffer, plain: Buffer): Buffer {
    return encrypt({ data: plain, algo: "aes-256-ccm", key: key, iv: nonce, tagLength: 16 })
}

/** The runtime throws on a tag mismatch; the port answers null. */
export function deviceAesCcmDecrypt(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null {
    try {
        return decrypt({ data: sealed, algo: "aes-256-ccm", key: key, iv: nonce, tagLength: 16 })
    } catch (e) {
        return null
    }
}

/**
 * The sealing platform, with HMAC for CMP (CertPlatform of src/certificate/certificate-app.ts, not imported here: an import
 * would pull that module, and the Ed25519 table behind it, into every image that uses this file).
 */
export function deviceKeyPlatform() {
    return {
        sha256: deviceSha256,
        hmacSha256: deviceHmacSha256,
        hkdf: deviceHkdf,
        aesCcmEncrypt: deviceAesCcmEncrypt,
        aesCcmDecrypt: deviceAesCcmDecrypt,
        randomBytes: randomBytes,
        yieldSlice: yieldSlice,
    }
}
