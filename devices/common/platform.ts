// What differs on the device: the runtime's native SHA-256 / HMAC-SHA-256, HKDF, AES-256-CCM and
// random bytes, and the VM's way of yielding between slices.

import * as ds from "@devicescript/core"
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

/**
 * The sealing platform, with HMAC for CMP (CertPlatform of src/certificate/certificate-app.ts, not imported here: an import
 * would pull that module, and the Ed25519 table behind it, into every image that uses this file).
 * HKDF and AES-256-CCM call the runtime's builtins directly, as the digest above does:
 * @devicescript/crypto wraps them in option checks (about 700 bytes of bytecode).
 */
export function deviceKeyPlatform() {
    return {
        sha256: deviceSha256,
        hmacSha256: deviceHmacSha256,
        /** HKDF-SHA-256 (RFC 5869), one 32-byte block: extract, then expand with counter 1. */
        hkdf: (ikm: Buffer, salt: Buffer, info: Buffer) => deviceHmacSha256(deviceHmacSha256(salt, [ikm]), [info, hex`01`]),
        aesCcmEncrypt: (key: Buffer, nonce: Buffer, plain: Buffer) => (plain as NativeCcm).encrypt("aes-256-ccm", key, nonce, 16),
        aesCcmDecrypt: deviceAesCcmDecrypt,
        randomBytes: randomBytes,
        yieldSlice: yieldSlice,
    }
}

/** The runtime's AES-256-CCM: `tag` is the tag length, plus 0x1000 to decrypt and check the tag. */
type NativeCcm = Buffer & { encrypt(algo: "aes-256-ccm", key: Buffer, nonce: Buffer, tag: number): Buffer }

/** The runtime throws on a tag mismatch; the port answers null. */
function deviceAesCcmDecrypt(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null {
    try {
        return (sealed as NativeCcm).encrypt("aes-256-ccm", key, nonce, 0x1010)
    } catch (e) {
        return null
    }
}
