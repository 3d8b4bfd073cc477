// The personalization record of a card that pays over EAP-TLS (tls-card.ts): what an issuer
// writes into a blank card once (STORE DATA), as tag, 16-bit length, value. The card's Ed25519
// key (its 32-byte seed) and certificate come from the issuer, as K and OPc do for an EAP-AKA
// card; with them the CA's key the card trusts and the server's name. Keys and the PIN verifier
// travel only in this record and in the card's flash; nothing here is ever displayed or logged.

import { concat, copyOf, fromUtf8, readU16BE, readUIntBE, uintToBytes } from "../bytes"
import { FormatError } from "../format-error"
import { checkText, wholeIn } from "../payment/payment"
import { MAX_REALM } from "./card-profile"

export interface TlsCardProfile {
    /** The realm of the card's anonymous identity ("@realm": the certificate says who it is). */
    realm: string
    /** The name the payment server's certificate carries. */
    serverName: string
    /** The card's Ed25519 private key seed. */
    seed: Buffer
    /** The card's certificate (DER), issued by the CA for that key. */
    certificate: Buffer
    /** The CA's Ed25519 public key, which must sign the server's certificate. */
    caPublicKey: Buffer
    pinSalt: Buffer
    pinVerifier: Buffer
    maxPinTries: number
    /** Payments at or under this many minor units need no PIN. */
    noPinLimit: number
}

export const MAX_CERTIFICATE = 800

export function validateTlsProfile(p: TlsCardProfile): void {
    checkText(p.realm, 1, MAX_REALM, true, "realm")
    checkText(p.serverName, 1, MAX_REALM, true, "server name")
    if (p.seed.length !== 32 || p.caPublicKey.length !== 32) throw new FormatError("key seed and CA key must be 32 bytes")
    if (p.certificate.length < 100 || p.certificate.length > MAX_CERTIFICATE) throw new FormatError("certificate of " + p.certificate.length + " bytes")
    if (p.pinSalt.length !== 16 || p.pinVerifier.length !== 32) throw new FormatError("PIN salt must be 16 bytes and verifier 32")
    if (!wholeIn(p.maxPinTries, 1, 15)) throw new FormatError("PIN tries must be 1..15")
    if (!wholeIn(p.noPinLimit, 0, 281474976710655)) throw new FormatError("no-PIN limit out of range")
}

const FIELDS = 9

/** The fields in tag order (tag = index + 1). */
export function encodeTlsProfile(p: TlsCardProfile): Buffer {
    validateTlsProfile(p)
    const values = [fromUtf8(p.realm), fromUtf8(p.serverName), p.seed, p.certificate, p.caPublicKey, p.pinSalt, p.pinVerifier, uintToBytes(p.maxPinTries, 1), uintToBytes(p.noPinLimit, 6)]
    const parts: Buffer[] = []
    for (let i = 0; i < values.length; i++) parts.push(concat([uintToBytes(i + 1, 1), uintToBytes(values[i].length, 2), values[i]]))
    return concat(parts)
}

/** Every tag exactly once, nothing unknown, every length right; throws FormatError otherwise. */
export function decodeTlsProfile(b: Buffer): TlsCardProfile {
    // undefined where a tag is missing
    const f: Buffer[] = []
    let o = 0
    while (o < b.length) {
        if (o + 3 > b.length) throw new FormatError("truncated field header")
        const tag = b[o]
        const len = readU16BE(b, o + 1)
        if (o + 3 + len > b.length) throw new FormatError("truncated field")
        if (tag < 1 || tag > FIELDS) throw new FormatError("unknown tag " + tag)
        if (f[tag] !== undefined) throw new FormatError("duplicate tag " + tag)
        f[tag] = copyOf(b, o + 3, o + 3 + len)
        o += 3 + len
    }
    for (let t = 1; t <= FIELDS; t++) if (f[t] === undefined) throw new FormatError("missing tag " + t)
    if (f[8].length !== 1 || f[9].length !== 6) throw new FormatError("bad number field")
    const p: TlsCardProfile = {
        realm: f[1].toString("utf8"),
        serverName: f[2].toString("utf8"),
        seed: f[3],
        certificate: f[4],
        caPublicKey: f[5],
        pinSalt: f[6],
        pinVerifier: f[7],
        maxPinTries: f[8][0],
        noPinLimit: readUIntBE(f[9], 0, 6),
    }
    validateTlsProfile(p)
    return p
}
