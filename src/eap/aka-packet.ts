// What peer and server share to build and check EAP-AKA/AKA' packets: a message in its EAP
// header with AT_MAC filled in (RFC 4187 10.15: HMAC-SHA1-128 for EAP-AKA; RFC 9048 3.4.2:
// HMAC-SHA-256-128 for EAP-AKA'), and the check of a received one against its decoded attributes.

import { HmacSha1Key, hmacSha1Key, hmacSha1WithKey } from "../crypto/hmac-sha1"
import { constantTimeEqual, readOnlyView } from "../bytes"
import { AkaAttribute, AkaMessage, AT_MAC, attrReservedData, encodeAttributes } from "./aka-attributes"
import { AkaPlatform } from "./aka-crypto"
import { EAP_TYPE_AKA_PRIME, encodeEap } from "./eap-packet"

// The HMAC-SHA1 pad states of the last K_aut: one exchange computes several MACs under it, and
// each precomputation costs two SHA-1 compressions (about 0.3 ms in the VM).
let lastKAut: Buffer | null = null
let lastMacKey: HmacSha1Key | null = null

const ZERO_MAC = Buffer.alloc(16)

/** AT_MAC value: HMAC-SHA1-128 (AKA) or HMAC-SHA-256-128 (AKA') over the packet (MAC zeroed) and `extra`. */
function computeMac(platform: AkaPlatform, method: number, kAut: Buffer, packet: Buffer, macOffset: number, extra: Buffer | null): Buffer {
    // The packet with the MAC value zeroed, as three parts: no copy of the packet.
    const parts: Buffer[] = [readOnlyView(packet, 0, macOffset), ZERO_MAC, readOnlyView(packet, macOffset + 16, packet.length)]
    if (extra !== null) parts.push(extra)
    if (method === EAP_TYPE_AKA_PRIME) return readOnlyView(platform.hmacSha256(kAut, parts), 0, 16)
    if (lastKAut !== kAut || lastMacKey === null) {
        lastMacKey = hmacSha1Key(kAut)
        lastKAut = kAut
    }
    return readOnlyView(hmacSha1WithKey(lastMacKey, parts), 0, 16)
}

/** Code, Identifier, Length and Type: what comes before an AKA message's Type-Data in its packet. */
const EAP_HEADER_BYTES = 5

/**
 * An EAP-AKA/AKA' Request or Response: `attrs` under `subtype` in an EAP header. With `kAut`, an
 * AT_MAC goes last, computed over the whole packet and `extra` (NONCE_S when answering a
 * re-authentication, RFC 4187 10.15).
 */
export function akaPacket(platform: AkaPlatform, code: number, id: number, method: number, subtype: number, attrs: AkaAttribute[], kAut: Buffer | null, extra: Buffer | null): Buffer {
    if (kAut !== null) attrs.push(attrReservedData(AT_MAC, ZERO_MAC))
    // Type-Data (subtype, 2 reserved bytes, attributes) in the EAP header.
    const msg = encodeAttributes(attrs, 3)
    msg.bytes[0] = subtype
    const packet = encodeEap({ code: code, id: id, type: method, data: msg.bytes })
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
