// EAP-AKA' key derivation (RFC 9048 section 3.3, 3.4, 3.5; 3GPP TS 33.402 annex A.2).
// CK' | IK' = HMAC-SHA-256(CK | IK, FC=0x20 | network name | L0 | SQN xor AK | 0x0006)
// MK = PRF'(IK' | CK', "EAP-AKA'" | Identity) = K_encr(16) | K_aut(32) | K_re(32) | MSK(64) | EMSK(64)
// Fast re-authentication: PRF'(K_re, "EAP-AKA' re-auth" | Identity | counter | NONCE_S) = MSK | EMSK

import { HmacSha256 } from "./hmac-sha256"
import { prfPrime } from "./prf-prime"
import { concat, copyOf, fromUtf8 } from "../bytes"

export interface CkIkPrime {
    ckPrime: Buffer
    ikPrime: Buffer
}

export function deriveCkIkPrime(hmac: HmacSha256, ck: Buffer, ik: Buffer, networkName: Buffer, sqnXorAk: Buffer): CkIkPrime {
    if (ck.length !== 16 || ik.length !== 16) throw new RangeError("CK and IK must be 16 bytes")
    if (sqnXorAk.length !== 6) throw new RangeError("SQN xor AK must be 6 bytes")
    if (networkName.length > 0xffff) throw new RangeError("network name too long")
    const s = Buffer.alloc(1 + networkName.length + 2 + 6 + 2)
    s[0] = 0x20
    s.set(networkName, 1)
    let o = 1 + networkName.length
    s[o] = (networkName.length >> 8) & 0xff
    s[o + 1] = networkName.length & 0xff
    s.set(sqnXorAk, o + 2)
    s[o + 8] = 0x00
    s[o + 9] = 0x06
    const out = hmac(concat([ck, ik]), [s])
    return { ckPrime: copyOf(out, 0, 16), ikPrime: copyOf(out, 16, 32) }
}

export interface EapAkaPrimeKeys {
    kEncr: Buffer
    kAut: Buffer
    kRe: Buffer
    msk: Buffer
    emsk: Buffer
}

/** Bytes of MK before MSK: K_encr, K_aut, K_re (what the exchange itself uses). */
export const MK_SESSION_BYTES = 80

const MK_LABEL = fromUtf8("EAP-AKA'")

/** MK = PRF'(IK' | CK', "EAP-AKA'" | Identity), its first `bytes` bytes. */
export function eapAkaPrimeMk(hmac: HmacSha256, identity: Buffer, ckPrime: Buffer, ikPrime: Buffer, bytes: number): Buffer {
    return prfPrime(hmac, concat([ikPrime, ckPrime]), concat([MK_LABEL, identity]), bytes)
}

export function eapAkaPrimeKeys(hmac: HmacSha256, identity: Buffer, ckPrime: Buffer, ikPrime: Buffer): EapAkaPrimeKeys {
    const mk = eapAkaPrimeMk(hmac, identity, ckPrime, ikPrime, 208)
    return {
        kEncr: copyOf(mk, 0, 16),
        kAut: copyOf(mk, 16, 48),
        kRe: copyOf(mk, 48, 80),
        msk: copyOf(mk, 80, 144),
        emsk: copyOf(mk, 144, 208),
    }
}

export interface ReauthPrimeKeys {
    msk: Buffer
    emsk: Buffer
}

export function eapAkaPrimeReauthKeys(hmac: HmacSha256, kRe: Buffer, identity: Buffer, counter: number, nonceS: Buffer): ReauthPrimeKeys {
    const c = Buffer.alloc(2)
    c[0] = (counter >> 8) & 0xff
    c[1] = counter & 0xff
    const mk = prfPrime(hmac, kRe, concat([fromUtf8("EAP-AKA' re-auth"), identity, c, nonceS]), 128)
    return { msk: copyOf(mk, 0, 64), emsk: copyOf(mk, 64, 128) }
}
