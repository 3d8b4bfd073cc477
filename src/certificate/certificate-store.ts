// The certificate side of the card in its settings (the same SettingsPort as src/card/card-store.ts):
// the card secret, the sealed signing key, its wrong-password counter, the certificate DER and the
// certificate's latest OCSP response DER (stapled to signatures).
//
// A setting holds at most 231 bytes minus its key (docs/devicescript.md), so a value larger than
// PART_BYTES is split: parts under "<key>0", "<key>1", ... written first, then a header under
// "<key>" (length, SHA-256 of the whole value) as the commit point. Power lost mid-way leaves
// parts that do not match the header: the read throws instead of handing out a torn value.

import { Sha256 } from "../crypto/sha256"
import { concat, constantTimeEqual, copyOf, readU16BE, uintToBytes } from "../bytes"
import { FormatError } from "../format-error"
import { SettingsPort } from "../card/card-store"
import { KeyPlatform, SIGN_TRIES, UnsealResult, unsealCounted } from "./signing-key"

export const KEY_CARD_SECRET = "ac.cardsecret"
export const KEY_SIGN_KEY = "ac.signkey"
export const KEY_SIGN_TRIES = "ac.signtries"
export const KEY_CERT = "ac.cert"
export const KEY_OCSP = "ac.ocsp"
/** The last signature's receipt: display rows, at most ~160 bytes. */
export const KEY_RECEIPT = "ac.receipt"

export const PART_BYTES = 200
/** Ten parts at most (one-digit suffixes). */
export const MAX_SPLIT_BYTES = 10 * PART_BYTES

/**
 * Stores `value` under `key` split into parts, the header last, verified. Parts go unverified
 * when `verifyParts` is false: for a value the card can lose (a part that did not land fails the
 * header's hash on reading), where each read-back costs a round trip to the settings service.
 */
export async function writeSplit(s: SettingsPort, key: string, value: Buffer, sha256: Sha256, verifyParts = true): Promise<void> {
    if (value.length > MAX_SPLIT_BYTES) throw new RangeError(key + " is too large to store")
    for (let i = 0; i * PART_BYTES < value.length; i++) {
        await s.write(key + i, copyOf(value, i * PART_BYTES, Math.min(value.length, (i + 1) * PART_BYTES)), verifyParts)
    }
    await s.write(key, concat([uintToBytes(value.length, 2), sha256([value])]), true)
}

/** The value under `key`, null when never written; throws FormatError when torn or damaged. */
export async function readSplit(s: SettingsPort, key: string, sha256: Sha256): Promise<Buffer | null> {
    const header = await s.read(key)
    if (header === null) return null
    const parts: Buffer[] = []
    const length = header.length === 34 ? readU16BE(header, 0) : MAX_SPLIT_BYTES + 1
    for (let i = 0; i * PART_BYTES < length && length <= MAX_SPLIT_BYTES; i++) {
        const part = await s.read(key + i)
        if (part === null) break
        parts.push(part)
    }
    const value = concat(parts)
    if (value.length !== length || !constantTimeEqual(sha256([value]), copyOf(header, 2, 34))) throw new FormatError(key + " is torn or damaged")
    return value
}

/** The card's secret, made once from the random source on first use. */
export async function cardSecret(s: SettingsPort, randomBytes: (n: number) => Buffer): Promise<Buffer> {
    const stored = await s.read(KEY_CARD_SECRET)
    if (stored !== null && stored.length === 32) return stored
    const secret = randomBytes(32)
    await s.write(KEY_CARD_SECRET, secret, true)
    return secret
}

/** A new sealed key: a full counter first, the record last (the commit point). */
export async function storeSigningKey(s: SettingsPort, record: Buffer): Promise<void> {
    await s.write(KEY_SIGN_TRIES, uintToBytes(SIGN_TRIES, 1), true)
    await s.write(KEY_SIGN_KEY, record, true)
}

/**
 * Unseals the stored key for `use` under the persistent counter. A counter missing beside a key
 * means flash was tampered with: locked, as a missing PIN counter is.
 */
export async function unsealStored(s: SettingsPort, password: string, p: KeyPlatform, use: (seed: Buffer) => Promise<Buffer>): Promise<UnsealResult> {
    const record = await s.read(KEY_SIGN_KEY)
    const tries = await s.read(KEY_SIGN_TRIES)
    const secret = await s.read(KEY_CARD_SECRET)
    if (record === null || secret === null) throw new FormatError("no signing key")
    const left = tries !== null && tries.length === 1 ? Math.min(tries[0], SIGN_TRIES) : 0
    const persist = async (n: number) => {
        await s.write(KEY_SIGN_TRIES, uintToBytes(n, 1), true)
    }
    return await unsealCounted(record, password, secret, left, persist, p, use)
}
