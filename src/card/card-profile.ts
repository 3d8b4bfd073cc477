// The card's personalization record: what an issuer writes into a blank card once (STORE DATA),
// as simple tag-length-value fields. Keys and the PIN verifier travel only in this record and in
// the card's flash; nothing here is ever displayed or logged.

import { concat, copyOf, fromUtf8, readUIntBE, uintToBytes } from "../bytes"
import { FormatError } from "../format-error"
import { checkText, wholeIn } from "../payment/payment"

export interface CardProfile {
    cardId: string
    realm: string
    /** Expected EAP-AKA' network name ("" accepts the server's). */
    networkName: string
    k: Buffer
    opc: Buffer
    pinSalt: Buffer
    pinVerifier: Buffer
    maxPinTries: number
    /** Payments at or under this many minor units need no PIN. */
    noPinLimit: number
    /** EAP-AKA' first (EAP-AKA still accepted when the server insists without bidding-down). */
    preferPrime: boolean
}

const TAG_CARD_ID = 0x01
const TAG_REALM = 0x02
const TAG_NETWORK_NAME = 0x03
const TAG_K = 0x04
const TAG_OPC = 0x05
const TAG_PIN_SALT = 0x06
const TAG_PIN_VERIFIER = 0x07
const TAG_PIN_TRIES = 0x08
const TAG_NO_PIN_LIMIT = 0x09
const TAG_OPTIONS = 0x0a

const OPTION_PREFER_PRIME = 1

export const MAX_CARD_ID = 32
export const MAX_REALM = 64

export function validateProfile(p: CardProfile): void {
    checkText(p.cardId, 4, MAX_CARD_ID, true, "card ID")
    checkText(p.realm, 1, MAX_REALM, true, "realm")
    if (p.networkName.length > MAX_REALM) throw new FormatError("network name too long")
    if (p.k.length !== 16 || p.opc.length !== 16) throw new FormatError("K and OPc must be 16 bytes")
    if (p.pinSalt.length !== 16 || p.pinVerifier.length !== 32) throw new FormatError("PIN salt must be 16 bytes and verifier 32")
    if (!wholeIn(p.maxPinTries, 1, 15)) throw new FormatError("PIN tries must be 1..15")
    if (!wholeIn(p.noPinLimit, 0, 281474976710655)) throw new FormatError("no-PIN limit out of range")
}

/** The fields in tag order (tag = index + 1); validateProfile keeps each under 256 bytes. */
export function encodeProfile(p: CardProfile): Buffer {
    validateProfile(p)
    const values = [
        fromUtf8(p.cardId),
        fromUtf8(p.realm),
        fromUtf8(p.networkName),
        p.k,
        p.opc,
        p.pinSalt,
        p.pinVerifier,
        uintToBytes(p.maxPinTries, 1),
        uintToBytes(p.noPinLimit, 6),
        uintToBytes(p.preferPrime ? OPTION_PREFER_PRIME : 0, 1),
    ]
    const parts: Buffer[] = []
    for (let i = 0; i < values.length; i++) {
        const head = Buffer.alloc(2)
        head[0] = i + 1
        head[1] = values[i].length
        parts.push(head)
        parts.push(values[i])
    }
    return concat(parts)
}

/** Every tag exactly once, nothing unknown, every length right; throws FormatError otherwise. */
export function decodeProfile(b: Buffer): CardProfile {
    // undefined where a tag is missing
    const fields: Buffer[] = []
    let o = 0
    while (o < b.length) {
        if (o + 2 > b.length) throw new FormatError("truncated field header")
        const tag = b[o]
        const len = b[o + 1]
        if (o + 2 + len > b.length) throw new FormatError("truncated field")
        if (tag < TAG_CARD_ID || tag > TAG_OPTIONS) throw new FormatError("unknown tag " + tag)
        if (fields[tag] !== undefined) throw new FormatError("duplicate tag " + tag)
        fields[tag] = copyOf(b, o + 2, o + 2 + len)
        o += 2 + len
    }
    for (let t = TAG_CARD_ID; t <= TAG_OPTIONS; t++) if (fields[t] === undefined) throw new FormatError("missing tag " + t)
    if (fields[TAG_PIN_TRIES].length !== 1 || fields[TAG_NO_PIN_LIMIT].length !== 6 || fields[TAG_OPTIONS].length !== 1) throw new FormatError("bad number field")
    const p: CardProfile = {
        cardId: fields[TAG_CARD_ID].toString("utf8"),
        realm: fields[TAG_REALM].toString("utf8"),
        networkName: fields[TAG_NETWORK_NAME].toString("utf8"),
        k: fields[TAG_K],
        opc: fields[TAG_OPC],
        pinSalt: fields[TAG_PIN_SALT],
        pinVerifier: fields[TAG_PIN_VERIFIER],
        maxPinTries: fields[TAG_PIN_TRIES][0],
        noPinLimit: readUIntBE(fields[TAG_NO_PIN_LIMIT], 0, 6),
        preferPrime: (fields[TAG_OPTIONS][0] & OPTION_PREFER_PRIME) !== 0,
    }
    validateProfile(p)
    return p
}
