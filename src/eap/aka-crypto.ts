// What the EAP-AKA/AKA' state machines need from the platform, and what peer and server share:
// the per-method primitives (RFC 4187 for EAP-AKA with SHA-1, RFC 9048 for EAP-AKA' with
// SHA-256) behind one interface, and building and checking MAC-protected packets.

import { HmacSha256 } from "../crypto/hmac-sha256"
import { Sha256 } from "../crypto/sha256"
import { HmacSha1Key, hmacSha1Key, hmacSha1WithKey } from "../crypto/hmac-sha1"
import { Sha1 } from "../crypto/sha1"
import { constantTimeEqual, copyOf, readOnlyView } from "../bytes"
import { eapAkaKeysFromMk, eapAkaMk, eapAkaReauthKeys, eapAkaSessionKeysFromMk } from "../crypto/eap-aka-keys"
import { deriveCkIkPrime, eapAkaPrimeMk, eapAkaPrimeReauthKeys, MK_SESSION_BYTES } from "../crypto/eap-aka-prime-keys"
import { EAP_TYPE_AKA_PRIME, encodeEap } from "./eap-packet"
import { AkaAttribute, AkaMessage, AT_MAC, attrReserved16, encodeAkaMessage } from "./aka-attributes"
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

export function isPrime(method: number): boolean {
    return method === EAP_TYPE_AKA_PRIME
}

/** The keys of a full authentication: RFC 9048 (CK'/IK', PRF') for EAP-AKA', RFC 4187 (MK, PRF) for EAP-AKA. */
export function fullAuthKeys(platform: AkaPlatform, method: number, identity: Buffer, ck: Buffer, ik: Buffer, networkName: Buffer, sqnXorAk: Buffer): SessionKeys {
    const hmac = platform.hmacSha256
    if (isPrime(method)) {
        const p = deriveCkIkPrime(hmac, ck, ik, networkName, sqnXorAk)
        const mk = eapAkaPrimeMk(hmac, identity, p.ckPrime, p.ikPrime, MK_SESSION_BYTES)
        return { kEncr: copyOf(mk, 0, 16), kAut: copyOf(mk, 16, 48), reauthKey: copyOf(mk, 48, 80), exported: primeExporter(hmac, identity, p.ckPrime, p.ikPrime) }
    }
    const mk = eapAkaMk(identity, ik, ck)
    const k = eapAkaSessionKeysFromMk(mk)
    return { kEncr: k.kEncr, kAut: k.kAut, reauthKey: mk, exported: akaExporter(mk) }
}

// The exporters are made by functions (not written inline in the object literal) so that Node's
// TypeScript loader does not wrap each one to name it: this runs for every authentication.
function primeExporter(hmac: HmacSha256, identity: Buffer, ckPrime: Buffer, ikPrime: Buffer): () => ExportedKeys {
    return () => {
        const all = eapAkaPrimeMk(hmac, identity, ckPrime, ikPrime, 208)
        return { msk: copyOf(all, 80, 144), emsk: copyOf(all, 144, 208) }
    }
}

function akaExporter(mk: Buffer): () => ExportedKeys {
    return () => {
        const all = eapAkaKeysFromMk(mk)
        return { msk: all.msk, emsk: all.emsk }
    }
}

function reauthExporter(hmac: HmacSha256, method: number, key: Buffer, identity: Buffer, counter: number, nonceS: Buffer): () => ExportedKeys {
    return () => (isPrime(method) ? eapAkaPrimeReauthKeys(hmac, key, identity, counter, nonceS) : eapAkaReauthKeys(identity, counter, nonceS, key))
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
    return { kEncr: stored.kEncr, kAut: stored.kAut, reauthKey: stored.reauthKey, exported: reauthExporter(platform.hmacSha256, method, stored.reauthKey, identity, counter, nonceS) }
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

const ZERO_MAC = Buffer.alloc(16)

/** AT_MAC value: HMAC-SHA1-128 (AKA) or HMAC-SHA-256-128 (AKA') over the packet (MAC zeroed) and `extra`. */
function computeMac(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, macOffset: number, extra: Buffer | null): Buffer {
    // The packet with the MAC value zeroed, as three parts: no copy of the packet.
    const parts: Buffer[] = [readOnlyView(packet, 0, macOffset), ZERO_MAC, readOnlyView(packet, macOffset + 16, packet.length)]
    if (extra !== null) parts.push(extra)
    const full = isPrime(method) ? platform.hmacSha256(kAut, parts) : hmacSha1WithKey(sha1MacKey(kAut), parts)
    return readOnlyView(full, 0, 16)
}

/** Code, Identifier, Length and Type: what comes before an AKA message's Type-Data in its packet. */
const EAP_HEADER_BYTES = 5

/**
 * An EAP-AKA/AKA' Request or Response: `attrs` under `subtype` in an EAP header. With `kAut`, an
 * AT_MAC goes last, computed over the whole packet and `extra` (NONCE_S when answering a
 * re-authentication, RFC 4187 10.15).
 */
export function akaPacket(platform: AkaPlatform, code: number, id: number, method: number, subtype: number, attrs: AkaAttribute[], kAut: Buffer | null, extra: Buffer | null): Buffer {
    if (kAut !== null) attrs.push(attrReserved16(AT_MAC, ZERO_MAC))
    const msg = encodeAkaMessage(subtype, attrs)
    const packet = encodeEap({ code: code, id: id, type: method, data: msg.data })
    if (kAut !== null) {
        const at = EAP_HEADER_BYTES + msg.macOffset
        packet.set(computeMac(platform, method, kAut, packet, at, extra), at)
    }
    return packet
}

/** Whether `packet`, decoded as `m`, carries an AT_MAC that verifies under `kAut` (with `extra` appended). */
export function macVerifies(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, m: AkaMessage, extra: Buffer | null): boolean {
    const at = EAP_HEADER_BYTES + m.macOffset
    if (m.macOffset < 0 || at + 16 > packet.length) return false
    return constantTimeEqual(computeMac(platform, method, kAut, packet, at, extra), readOnlyView(packet, at, at + 16))
}

/** AT_CHECKCODE value (RFC 4187 10.13, RFC 9048 3.3): hash of the AKA-Identity packets exchanged, empty when none. */
export function checkcode(platform: AkaPlatform, method: number, identityPackets: Buffer[]): Buffer {
    if (identityPackets.length === 0) return Buffer.alloc(0)
    if (isPrime(method)) return platform.sha256(identityPackets)
    const h = new Sha1()
    for (let i = 0; i < identityPackets.length; i++) h.update(identityPackets[i])
    return h.digest()
}
