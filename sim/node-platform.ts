// What differs in Node: HMAC-SHA-256 in JavaScript with cached key pads (sim/crypto/js-hmac-sha256.ts:
// faster here than node:crypto's per-call HMAC objects), SHA-256, HKDF, AES-256-CCM and randomness
// from node:crypto, and a yield that is just a resolved promise. The tests check HMAC-SHA-256 against RFC 4231,
// node:crypto and @noble/hashes; the device has both natively.
//
// Everything here is passed to src/ explicitly; importing this module changes nothing in src/.
// Message buffers stay Buffer.alloc in Node too: zero-filled slices of Node's 8 KB pool save
// about 0.7 us per buffer over 64 bytes, some 15 us of a payment's ~500 us of CPU, and the
// in-process payment benchmark (npm run bench:server -- --only payments --runs 1 --in-process,
// run twice each way, alternated) showed no difference above its noise: 602/504 (EAP-AKA') and
// 507/419 (EAP-AKA) us per payment with pool slices, 407/530 and 513/458 without.

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomFillSync } from "node:crypto"
import { pooledRandom } from "./node-random"
import { jsHmacSha256 } from "./crypto/js-hmac-sha256"
import type { HmacSha256 } from "../src/crypto/hmac-sha256"
import type { Sha256 } from "../src/crypto/sha256"
import type { AkaPlatform } from "../src/eap/aka-crypto"
import type { AesCcmDecrypt, AesCcmEncrypt, HkdfSha256, KeyPlatform } from "../src/certificate/signing-key"
import { noLog } from "../src/log"
import type { TlsHash } from "../src/tls/key-schedule"

export const nodeHmacSha256: HmacSha256 = jsHmacSha256

export const nodeRandomBytes = pooledRandom((b) => randomFillSync(b))

export const nodeSha256: Sha256 = (data: Buffer[]) => {
    const h = createHash("sha256")
    for (const d of data) h.update(d)
    return h.digest()
}

/** SHA-256 and HMAC-SHA-256 for the TLS 1.3 key schedule (src/tls/key-schedule.ts). */
export const nodeTlsHash: TlsHash = { hmac: nodeHmacSha256, sha256: nodeSha256 }

export const nodeAkaPlatform: AkaPlatform = {
    hmacSha256: nodeHmacSha256,
    sha256: nodeSha256,
    randomBytes: nodeRandomBytes,
    yieldSlice: async () => {},
    log: noLog,
}

export const nodeHkdf: HkdfSha256 = (ikm, salt, info) => Buffer.from(hkdfSync("sha256", ikm, salt, info, 32))

export const nodeAesCcmEncrypt: AesCcmEncrypt = (key, nonce, plain) => {
    const c = createCipheriv("aes-256-ccm", key, nonce, { authTagLength: 16 })
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()])
}

export const nodeAesCcmDecrypt: AesCcmDecrypt = (key, nonce, sealed) => {
    if (sealed.length < 16) return null
    const d = createDecipheriv("aes-256-ccm", key, nonce, { authTagLength: 16 })
    d.setAuthTag(sealed.subarray(sealed.length - 16))
    try {
        return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()])
    } catch {
        return null
    }
}

export const nodeKeyPlatform: KeyPlatform = {
    sha256: nodeSha256,
    hkdf: nodeHkdf,
    aesCcmEncrypt: nodeAesCcmEncrypt,
    aesCcmDecrypt: nodeAesCcmDecrypt,
    randomBytes: nodeRandomBytes,
    yieldSlice: async () => {},
}
