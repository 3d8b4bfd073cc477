// The card's PIN check: a salted SHA-256 verifier (the PIN itself is never stored) and a try
// counter that is decremented and persisted BEFORE the comparison, so pulling the card away or
// cutting power mid-check never yields a free try. At zero the card is locked, across reboots.

import { Sha256 } from "../crypto/sha256"
import { constantTimeEqual, fromUtf8 } from "../bytes"

export const DEFAULT_PIN_TRIES = 3

export interface PinRecord {
    salt: Buffer
    verifier: Buffer
    /** Tries left; 0 means locked. */
    triesLeft: number
    maxTries: number
}

export const PIN_OK = 0
export const PIN_WRONG = 1
export const PIN_LOCKED = 2

export function pinVerifier(sha256: Sha256, salt: Buffer, pin: string): Buffer {
    return sha256([salt, fromUtf8(pin)])
}

export function validPinFormat(pin: string): boolean {
    if (pin.length < 4 || pin.length > 12) return false
    for (let i = 0; i < pin.length; i++) {
        const c = pin.charCodeAt(i)
        if (c < 48 || c > 57) return false
    }
    return true
}

/**
 * Checks `pin`; `persist` must durably store the record before it resolves (flash on the card).
 * Returns PIN_OK, PIN_WRONG (tries left in the record) or PIN_LOCKED.
 */
export async function checkPin(record: PinRecord, pin: string, sha256: Sha256, persist: (r: PinRecord) => Promise<void>): Promise<number> {
    if (record.triesLeft <= 0) return PIN_LOCKED
    record.triesLeft--
    await persist(record)
    if (!validPinFormat(pin) || !constantTimeEqual(pinVerifier(sha256, record.salt, pin), record.verifier)) {
        return record.triesLeft <= 0 ? PIN_LOCKED : PIN_WRONG
    }
    record.triesLeft = record.maxTries
    await persist(record)
    return PIN_OK
}
