// What the EAP-AKA/AKA' state machines need from the platform, and the per-method primitives
// (RFC 4187 for EAP-AKA with SHA-1, RFC 9048 for EAP-AKA' with SHA-256) behind one interface.

import { HmacSha256 } from "../crypto/hmac-sha256"
import { Sha256 } from "../crypto/sha256"
import { HmacSha1Key, hmacSha1Key, hmacSha1WithKey } from "../crypto/hmac-sha1"
import { Sha1 } from "../crypto/sha1"
import { constantTimeEqual, copyOf } from "../bytes"
import { eapAkaKeys, eapAkaReauthKeys } from "../crypto/eap-aka-keys"
import { deriveCkIkPrime, eapAkaPrimeKeys, eapAkaPrimeReauthKeys } from "../crypto/eap-aka-prime-keys"
import { EAP_TYPE_AKA_PRIME } from "./eap-packet"

export interface AkaPlatform {
    hmacSha256: HmacSha256
    sha256: Sha256
    randomBytes: (n: number) => Buffer
    /** Ends a VM slice between heavy steps (a resolved promise in Node). */
    yieldSlice: () => Promise<void>
}

/** The keys an authentication (full or fast) leaves behind. */
export interface SessionKeys {
    kEncr: Buffer
    kAut: Buffer
    /** K_re (EAP-AKA') or MK (EAP-AKA): what fast re-authentication derives from. */
    reauthKey: Buffer
    msk: Buffer
    emsk: Buffer
}

export function isPrime(method: number): boolean {
    return method === EAP_TYPE_AKA_PRIME
}

/** The keys of a full authentication: RFC 9048 (CK'/IK', PRF') for EAP-AKA', RFC 4187 (MK, PRF) for EAP-AKA. */
export function fullAuthKeys(platform: AkaPlatform, method: number, identity: Buffer, ck: Buffer, ik: Buffer, networkName: Buffer, sqnXorAk: Buffer): SessionKeys {
    if (isPrime(method)) {
        const p = deriveCkIkPrime(platform.hmacSha256, ck, ik, networkName, sqnXorAk)
        const k = eapAkaPrimeKeys(platform.hmacSha256, identity, p.ckPrime, p.ikPrime)
        return { kEncr: k.kEncr, kAut: k.kAut, reauthKey: k.kRe, msk: k.msk, emsk: k.emsk }
    }
    const k = eapAkaKeys(identity, ik, ck)
    return { kEncr: k.kEncr, kAut: k.kAut, reauthKey: k.mk, msk: k.msk, emsk: k.emsk }
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
    const k = isPrime(method)
        ? eapAkaPrimeReauthKeys(platform.hmacSha256, stored.reauthKey, identity, counter, nonceS)
        : eapAkaReauthKeys(identity, counter, nonceS, stored.reauthKey)
    return { kEncr: stored.kEncr, kAut: stored.kAut, reauthKey: stored.reauthKey, msk: k.msk, emsk: k.emsk }
}

// The HMAC-SHA1 pad states of the last K_aut: one exchange computes several MACs under it, and
// each precomputation costs two SHA-1 compressions (about 0.3 ms in the VM).
let lastKAut: Buffer | null = null
let lastMacKey: HmacSha1Key | null = null

function sha1MacKey(kAut: Buffer): HmacSha1Key {
    if (lastKAut !== kAut || lastMacKey === null) {
        lastMacKey = hmacSha1Key(kAut)
        lastKAut = kAut
    }
    return lastMacKey
}

/** AT_MAC value: HMAC-SHA1-128 (AKA) or HMAC-SHA-256-128 (AKA') over the packet (MAC zeroed) and `extra`. */
export function computeMac(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, macOffset: number, extra: Buffer | null): Buffer {
    const zeroed = copyOf(packet)
    for (let i = 0; i < 16; i++) zeroed[macOffset + i] = 0
    const parts: Buffer[] = extra === null ? [zeroed] : [zeroed, extra]
    const full = isPrime(method) ? platform.hmacSha256(kAut, parts) : hmacSha1WithKey(sha1MacKey(kAut), parts)
    return copyOf(full, 0, 16)
}

export function verifyMac(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, macOffset: number, extra: Buffer | null): boolean {
    if (macOffset < 0 || macOffset + 16 > packet.length) return false
    return constantTimeEqual(computeMac(platform, method, kAut, packet, macOffset, extra), copyOf(packet, macOffset, macOffset + 16))
}

/** Writes the MAC into a packet encoded with a zero AT_MAC at `macOffset`. */
export function signPacket(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, macOffset: number, extra: Buffer | null): Buffer {
    packet.set(computeMac(platform, method, kAut, packet, macOffset, extra), macOffset)
    return packet
}

/** AT_CHECKCODE value (RFC 4187 10.13, RFC 9048 3.3): hash of the AKA-Identity packets exchanged, empty when none. */
export function checkcode(platform: AkaPlatform, method: number, identityPackets: Buffer[]): Buffer {
    if (identityPackets.length === 0) return Buffer.alloc(0)
    if (isPrime(method)) return platform.sha256(identityPackets)
    const h = new Sha1()
    for (let i = 0; i < identityPackets.length; i++) h.update(identityPackets[i])
    return h.digest()
}
