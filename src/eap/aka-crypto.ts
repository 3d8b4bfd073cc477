// What the EAP-AKA/AKA' state machines need from the platform, and the per-method primitives
// (RFC 4187 for EAP-AKA with SHA-1, RFC 9048 for EAP-AKA' with SHA-256) behind one interface.

import { HmacSha256 } from "../crypto/hmac-sha256"
import { Sha256 } from "../crypto/sha256"
import { Sha1 } from "../crypto/sha1"
import { copyOf } from "../bytes"
import { eapAkaKeysFromMk, eapAkaMk, eapAkaReauthKeys, eapAkaSessionKeysFromMk } from "../crypto/eap-aka-keys"
import { deriveCkIkPrime, eapAkaPrimeMk, eapAkaPrimeReauthKeys, MK_SESSION_BYTES } from "../crypto/eap-aka-prime-keys"
import { EAP_TYPE_AKA_PRIME } from "./eap-packet"
import { Log } from "../log"

export interface AkaPlatform {
    hmacSha256: HmacSha256
    sha256: Sha256
    randomBytes: (n: number) => Buffer
    /** Ends a VM slice between heavy steps (a resolved promise in Node). */
    yieldSlice: () => Promise<void>
    /** Where the state machines log their transitions. */
    log: Log
}

/** MSK and EMSK (RFC 3748 section 7.10): exported to whoever asks, never used by the exchange itself. */
export interface ExportedKeys {
    msk: Buffer
    emsk: Buffer
}

/**
 * The keys an authentication (full or fast) leaves behind. MSK and EMSK are derived only when
 * asked for: nothing in a payment uses them (no keys go to the terminal), and they are more than
 * half of the key stream (four of the seven PRF' rounds of EAP-AKA', six of the eight PRF rounds
 * of EAP-AKA).
 */
export interface SessionKeys {
    kEncr: Buffer
    kAut: Buffer
    /** K_re (EAP-AKA') or MK (EAP-AKA): what fast re-authentication derives from. */
    reauthKey: Buffer
    exported: () => ExportedKeys
}

/**
 * What a full authentication leaves for fast re-authentication (RFC 4187 5, RFC 9048 3.5), kept
 * alike by the card and the server: the method, the last counter, K_encr and K_aut.
 */
export interface ReauthContext {
    method: number
    counter: number
    kEncr: Buffer
    kAut: Buffer
    /** EAP-AKA: MK; EAP-AKA': K_re. */
    reauthKey: Buffer
}

export function isPrime(method: number): boolean {
    return method === EAP_TYPE_AKA_PRIME
}

/** The keys of a full authentication: RFC 9048 (CK'/IK', PRF') for EAP-AKA', RFC 4187 (MK, PRF) for EAP-AKA. */
export function fullAuthKeys(platform: AkaPlatform, method: number, identity: Buffer, ck: Buffer, ik: Buffer, networkName: Buffer, sqnXorAk: Buffer): SessionKeys {
    const hmac = platform.hmacSha256
    if (method === EAP_TYPE_AKA_PRIME) {
        const p = deriveCkIkPrime(hmac, ck, ik, networkName, sqnXorAk)
        const mk = eapAkaPrimeMk(hmac, identity, p.ckPrime, p.ikPrime, MK_SESSION_BYTES)
        return {
            kEncr: copyOf(mk, 0, 16),
            kAut: copyOf(mk, 16, 48),
            reauthKey: copyOf(mk, 48, 80),
            exported: () => {
                const all = eapAkaPrimeMk(hmac, identity, p.ckPrime, p.ikPrime, 208)
                return { msk: copyOf(all, 80, 144), emsk: copyOf(all, 144, 208) }
            },
        }
    }
    const mk = eapAkaMk(identity, ik, ck)
    const k = eapAkaSessionKeysFromMk(mk)
    return {
        kEncr: k.kEncr,
        kAut: k.kAut,
        reauthKey: mk,
        exported: () => {
            const all = eapAkaKeysFromMk(mk)
            return { msk: all.msk, emsk: all.emsk }
        },
    }
}

/** The keys after a fast re-authentication: K_encr and K_aut stay, MSK and EMSK are new. */
export function reauthSessionKeys(
    platform: AkaPlatform,
    method: number,
    identity: Buffer,
    counter: number,
    nonceS: Buffer,
    stored: { kEncr: Buffer; kAut: Buffer; reauthKey: Buffer },
): SessionKeys {
    const hmac = platform.hmacSha256
    const key = stored.reauthKey
    return {
        kEncr: stored.kEncr,
        kAut: stored.kAut,
        reauthKey: key,
        exported: () => (method === EAP_TYPE_AKA_PRIME ? eapAkaPrimeReauthKeys(hmac, key, identity, counter, nonceS) : eapAkaReauthKeys(identity, counter, nonceS, key)),
    }
}

/** AT_CHECKCODE value (RFC 4187 10.13, RFC 9048 3.3): hash of the AKA-Identity packets exchanged, empty when none. */
export function checkcode(platform: AkaPlatform, method: number, identityPackets: Buffer[]): Buffer {
    if (identityPackets.length === 0) return Buffer.alloc(0)
    if (method === EAP_TYPE_AKA_PRIME) return platform.sha256(identityPackets)
    const h = new Sha1()
    for (let i = 0; i < identityPackets.length; i++) h.update(identityPackets[i])
    return h.digest()
}
