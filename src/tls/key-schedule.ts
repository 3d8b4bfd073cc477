// The TLS 1.3 key schedule for TLS_AES_128_GCM_SHA256 (RFC 8446 section 7), on an injected
// HMAC-SHA-256 (native on the device) and SHA-256: HKDF-Extract, HKDF-Expand-Label and
// Derive-Secret, the early, handshake and master secrets, the traffic keys of a secret, the
// Finished verify_data, and the exporter (RFC 8446 7.5) that gives EAP-TLS its keys (RFC 9190 2.3).

import { HmacSha256 } from "../crypto/hmac-sha256"
import { Sha256 } from "../crypto/sha256"
import { concat, fromUtf8, zeroBytes } from "../bytes"

export const HASH_LENGTH = 32
export const KEY_LENGTH = 16
export const IV_LENGTH = 12

export interface TlsHash {
    hmac: HmacSha256
    sha256: Sha256
}

export function hkdfExtract(h: TlsHash, salt: Buffer, ikm: Buffer): Buffer {
    return h.hmac(salt.length > 0 ? salt : zeroBytes(HASH_LENGTH), [ikm])
}

/** HKDF-Expand-Label(secret, "tls13 " + label, context, length), length up to 255 * 32. */
export function hkdfExpandLabel(h: TlsHash, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
    const fullLabel = fromUtf8("tls13 " + label)
    const info = zeroBytes(2 + 1 + fullLabel.length + 1 + context.length)
    info[0] = (length >> 8) & 0xff
    info[1] = length & 0xff
    info[2] = fullLabel.length
    info.set(fullLabel, 3)
    info[3 + fullLabel.length] = context.length
    info.set(context, 4 + fullLabel.length)
    const blocks: Buffer[] = []
    let previous: Buffer = Buffer.alloc(0)
    for (let i = 1, got = 0; got < length; i++, got += HASH_LENGTH) {
        const counter = Buffer.alloc(1)
        counter[0] = i
        previous = h.hmac(secret, [previous, info, counter])
        blocks.push(previous)
    }
    return concat(blocks).slice(0, length)
}

export function deriveSecret(h: TlsHash, secret: Buffer, label: string, transcriptHash: Buffer): Buffer {
    return hkdfExpandLabel(h, secret, label, transcriptHash, HASH_LENGTH)
}

/** The early secret: from a PSK (resumption), or from zeros for a full handshake. */
export function earlySecret(h: TlsHash, psk: Buffer | null): Buffer {
    return hkdfExtract(h, Buffer.alloc(0), psk !== null ? psk : zeroBytes(HASH_LENGTH))
}

/** The next stage's secret: Extract(Derive-Secret(previous, "derived", ""), ikm). */
function nextStage(h: TlsHash, previous: Buffer, ikm: Buffer): Buffer {
    return hkdfExtract(h, deriveSecret(h, previous, "derived", h.sha256([])), ikm)
}

export function handshakeSecret(h: TlsHash, early: Buffer, sharedSecret: Buffer): Buffer {
    return nextStage(h, early, sharedSecret)
}

export function masterSecret(h: TlsHash, handshake: Buffer): Buffer {
    return nextStage(h, handshake, zeroBytes(HASH_LENGTH))
}

export interface TrafficKeys {
    key: Buffer
    iv: Buffer
}

export function trafficKeys(h: TlsHash, trafficSecret: Buffer): TrafficKeys {
    return { key: hkdfExpandLabel(h, trafficSecret, "key", Buffer.alloc(0), KEY_LENGTH), iv: hkdfExpandLabel(h, trafficSecret, "iv", Buffer.alloc(0), IV_LENGTH) }
}

/** Finished.verify_data under the sender's handshake traffic secret, over the transcript hash so far. */
export function finishedVerifyData(h: TlsHash, trafficSecret: Buffer, transcriptHash: Buffer): Buffer {
    return h.hmac(hkdfExpandLabel(h, trafficSecret, "finished", Buffer.alloc(0), HASH_LENGTH), [transcriptHash])
}

/** TLS-Exporter(label, context, length) from the exporter master secret (RFC 8446 7.5). */
export function exportKeyingMaterial(h: TlsHash, exporterMaster: Buffer, label: string, context: Buffer, length: number): Buffer {
    return hkdfExpandLabel(h, deriveSecret(h, exporterMaster, label, h.sha256([])), "exporter", h.sha256([context]), length)
}
