// The card's PIN: a salted SHA-256 verifier (the PIN itself is never stored) and a try counter
// that the card session (card-session.ts) decrements and persists BEFORE the comparison, so
// pulling the card away or cutting power mid-check never yields a free try. At zero the card is
// locked, across reboots.

import { Sha256 } from "../crypto/sha256"
import { fromUtf8 } from "../bytes"

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
