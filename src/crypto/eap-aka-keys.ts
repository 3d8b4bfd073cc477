// EAP-AKA key derivation (RFC 4187 section 7).
// Full authentication: MK = SHA1(Identity | IK | CK); FIPS 186-2 PRF(MK) = K_encr | K_aut | MSK | EMSK.
// Fast re-authentication: XKEY' = SHA1(Identity | counter | NONCE_S | MK); PRF(XKEY') = MSK | EMSK.

import { fips186Prf } from "./fips186-prf"
import { sha1Parts } from "./sha1"
import { copyOf } from "../bytes"

export interface EapAkaKeys {
    mk: Buffer
    kEncr: Buffer
    kAut: Buffer
    msk: Buffer
    emsk: Buffer
}

/** Splits the 160-byte PRF(MK) stream into K_encr (16), K_aut (16), MSK (64), EMSK (64). */
export function eapAkaKeysFromMk(mk: Buffer): EapAkaKeys {
    const s = fips186Prf(mk, 160)
    return { mk: mk, kEncr: copyOf(s, 0, 16), kAut: copyOf(s, 16, 32), msk: copyOf(s, 32, 96), emsk: copyOf(s, 96, 160) }
}

/** MK = SHA1(Identity | IK | CK); `identity` is the identity string of the last AT_IDENTITY (or EAP-Response/Identity), as bytes. */
export function eapAkaMk(identity: Buffer, ik: Buffer, ck: Buffer): Buffer {
    if (ik.length !== 16 || ck.length !== 16) throw new RangeError("IK and CK must be 16 bytes")
    return sha1Parts([identity, ik, ck])
}

export function eapAkaKeys(identity: Buffer, ik: Buffer, ck: Buffer): EapAkaKeys {
    return eapAkaKeysFromMk(eapAkaMk(identity, ik, ck))
}

/** K_encr and K_aut only: the first 32 bytes of PRF(MK), two of its eight rounds. */
export function eapAkaSessionKeysFromMk(mk: Buffer): { kEncr: Buffer; kAut: Buffer } {
    const s = fips186Prf(mk, 32)
    return { kEncr: copyOf(s, 0, 16), kAut: copyOf(s, 16, 32) }
}

export interface ReauthKeys {
    msk: Buffer
    emsk: Buffer
}

export function eapAkaReauthKeys(identity: Buffer, counter: number, nonceS: Buffer, mk: Buffer): ReauthKeys {
    if (nonceS.length !== 16) throw new RangeError("NONCE_S must be 16 bytes")
    const c = Buffer.alloc(2)
    c[0] = (counter >> 8) & 0xff
    c[1] = counter & 0xff
    const s = fips186Prf(sha1Parts([identity, c, nonceS, mk]), 160)
    return { msk: copyOf(s, 0, 64), emsk: copyOf(s, 64, 128) }
}
