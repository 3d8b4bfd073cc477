// The card's Ed25519 signing key (RFC 8032) at rest, sealed under the holder's signature password
// (WO 2005/067402 [51]: the password typed on the card releases the signature key).
//
// Sealing: key = HKDF-SHA-256 (RFC 5869) with
//   IKM  = card secret (32 random bytes made once per card) || password (6-12 ASCII digits),
//   salt = 16 random bytes, fresh for every seal,
//   info = "activecard signing key v1" || the record's clear part (version, salt, nonce, public key),
// then AES-256-CCM (NIST SP 800-38C) with a random 13-byte nonce and a 16-byte tag over the 32-byte
// seed. The secrets go into IKM, the input HKDF's extract step is built to condense; the salt makes
// every seal's key fresh, so a nonce can never repeat under one key. The runtime's CCM takes no
// associated data, so the clear part is bound through info instead: a record whose public key,
// salt or nonce was swapped derives another key and fails the tag, as a wrong password does.
//
// The wrong-password counter works as the PIN's (src/card/pin.ts): decremented and persisted
// before the password is tried, reset on success, locked at zero. The seed lives only for the
// caller's `use` and is zeroed after it; it never enters an error message or a log line.

import { ed25519PublicKey } from "../crypto/ed25519"
import { Sha256 } from "../crypto/sha256"
import { concat, copyOf, fromUtf8 } from "../bytes"
import { validPinFormat } from "../card/pin"

/** HKDF-SHA-256 (RFC 5869), 32 bytes of output key material. */
export type HkdfSha256 = (ikm: Buffer, salt: Buffer, info: Buffer) => Buffer
/** AES-256-CCM, 13-byte nonce, no associated data: ciphertext || 16-byte tag. */
export type AesCcmEncrypt = (key: Buffer, nonce: Buffer, plain: Buffer) => Buffer
/** The plaintext, or null when the tag does not verify. */
export type AesCcmDecrypt = (key: Buffer, nonce: Buffer, sealed: Buffer) => Buffer | null

/** What sealing needs from the platform: native on the device (@devicescript/crypto), node:crypto in Node. */
export interface KeyPlatform {
    sha256: Sha256
    hkdf: HkdfSha256
    aesCcmEncrypt: AesCcmEncrypt
    aesCcmDecrypt: AesCcmDecrypt
    randomBytes: (n: number) => Buffer
    yieldSlice: () => Promise<void>
}

export const SEALED_VERSION = 1
const SALT = 1
const NONCE = 17
const PUBLIC_KEY = 30
const SEALED = 62
/** version, salt 16, nonce 13, public key 32, sealed seed 32 + tag 16. */
export const SEALED_RECORD_BYTES = 110

export const SIGN_TRIES = 5
export const KEY_OK = 0
export const KEY_WRONG = 1
export const KEY_LOCKED = 2

export interface UnsealResult {
    status: number
    triesLeft: number
    /** What `use` made of the seed (a signature), or null. */
    output: Buffer | null
}

export function validPassword(password: string): boolean {
    return password.length >= 6 && validPinFormat(password)
}

export function wipe(b: Buffer): void {
    for (let i = 0; i < b.length; i++) b[i] = 0
}

function sealingKey(record: Buffer, password: string, cardSecret: Buffer, p: KeyPlatform): Buffer {
    const ikm = concat([cardSecret, fromUtf8(password)])
    const key = p.hkdf(ikm, copyOf(record, SALT, NONCE), concat([fromUtf8("activecard signing key v1"), copyOf(record, 0, SEALED)]))
    wipe(ikm)
    return key
}

/** The record's public key (the one the certificate must name). */
export function sealedPublicKey(record: Buffer): Buffer {
    return copyOf(record, PUBLIC_KEY, SEALED)
}

/** A new key pair from the platform's random source; returns the sealed record. */
export async function generateSigningKey(password: string, cardSecret: Buffer, p: KeyPlatform): Promise<Buffer> {
    if (!validPassword(password)) throw new RangeError("the password must be 6 to 12 digits")
    if (cardSecret.length !== 32) throw new RangeError("the card secret must be 32 bytes")
    const seed = p.randomBytes(32)
    const publicKey = await ed25519PublicKey(seed, p.yieldSlice)
    const record = concat([Buffer.from([SEALED_VERSION]), p.randomBytes(16), p.randomBytes(13), publicKey, Buffer.alloc(48)])
    const key = sealingKey(record, password, cardSecret, p)
    record.set(p.aesCcmEncrypt(key, copyOf(record, NONCE, PUBLIC_KEY), seed), SEALED)
    wipe(key)
    wipe(seed)
    return record
}

/** The seed, or null for a wrong password or a record that is not this card's. */
function openRecord(record: Buffer, password: string, cardSecret: Buffer, p: KeyPlatform): Buffer | null {
    if (record.length !== SEALED_RECORD_BYTES || record[0] !== SEALED_VERSION || !validPassword(password)) return null
    const key = sealingKey(record, password, cardSecret, p)
    const seed = p.aesCcmDecrypt(key, copyOf(record, NONCE, PUBLIC_KEY), copyOf(record, SEALED, SEALED_RECORD_BYTES))
    wipe(key)
    return seed
}

/**
 * Opens the sealed key with `password` and hands the seed to `use` (then zeroes it). `persistTries`
 * must store the counter durably before it resolves; if it throws, the password is not tried.
 */
export async function unsealCounted(
    record: Buffer,
    password: string,
    cardSecret: Buffer,
    triesLeft: number,
    persistTries: (left: number) => Promise<void>,
    p: KeyPlatform,
    use: (seed: Buffer) => Promise<Buffer>,
): Promise<UnsealResult> {
    if (triesLeft <= 0) return { status: KEY_LOCKED, triesLeft: 0, output: null }
    triesLeft--
    await persistTries(triesLeft)
    const seed = openRecord(record, password, cardSecret, p)
    if (seed === null) return { status: triesLeft <= 0 ? KEY_LOCKED : KEY_WRONG, triesLeft: triesLeft, output: null }
    try {
        await persistTries(SIGN_TRIES)
        return { status: KEY_OK, triesLeft: SIGN_TRIES, output: await use(seed) }
    } finally {
        wipe(seed)
    }
}
