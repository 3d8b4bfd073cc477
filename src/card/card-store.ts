// Where the card keeps itself: named settings in flash, each value small (the DeviceScript
// settings store takes about 200 bytes per value). The PIN try counter, the SQN window and the
// identities change during transactions and get their own keys, so each write is one small value.
// The profile key is written last at personalization: a card is personalized once it exists.

import { IND_COUNT, SqnWindow } from "../crypto/sqn"
import { PeerState } from "../eap/aka-peer"
import { ReauthContext } from "../eap/aka-crypto"
import { concat, constantTimeEqual, copyOf, fromUtf8, readUIntBE, uintToBytes } from "../bytes"
import { AkaCardStorage } from "./aka-card-session"
import { decodeProfile } from "./card-profile"
import { PinRecord } from "./pin"

/** Durable named values (DeviceScript settings on the device, a file in Node tests). */
export interface SettingsPort {
    /** null when the key was never written. */
    read(key: string): Promise<Buffer | null>
    /**
     * Stores a value. With `verify`, resolves only once the value is proven stored (read back):
     * for what must survive a power cut before the card answers (PIN try counter, SQN window).
     */
    write(key: string, value: Buffer, verify: boolean): Promise<void>
}

export const KEY_PROFILE = "ac.profile"
export const KEY_PIN_TRIES = "ac.pintries"
export const KEY_SQN = "ac.sqn"
export const KEY_PSEUDONYM = "ac.pseudonym"
export const KEY_REAUTH = "ac.reauth"

const SEQ_BYTES = 6

export function encodeSqn(w: SqnWindow): Buffer {
    const out = Buffer.alloc(IND_COUNT * SEQ_BYTES)
    for (let i = 0; i < IND_COUNT; i++) out.set(uintToBytes(w.seqMs[i], SEQ_BYTES), i * SEQ_BYTES)
    return out
}

export function decodeSqn(b: Buffer): SqnWindow {
    if (b.length !== IND_COUNT * SEQ_BYTES) throw new RangeError("stored SQN window has the wrong size")
    const seqMs: number[] = []
    for (let i = 0; i < IND_COUNT; i++) seqMs.push(readUIntBE(b, i * SEQ_BYTES, SEQ_BYTES))
    return new SqnWindow(seqMs)
}

/** Re-auth ID and context, or an empty value when there is none: method, counter (2), then K_encr, K_aut, the re-auth key and the ID, each after its length byte. */
export function encodeReauth(id: string, r: ReauthContext | null): Buffer {
    if (r === null || id === "") return Buffer.alloc(0)
    const parts: Buffer[] = [uintToBytes(r.method, 1), uintToBytes(r.counter, 2)]
    const fields = [r.kEncr, r.kAut, r.reauthKey, fromUtf8(id)]
    for (let i = 0; i < fields.length; i++) {
        parts.push(uintToBytes(fields[i].length, 1))
        parts.push(fields[i])
    }
    return concat(parts)
}

export function decodeReauth(b: Buffer): { id: string; context: ReauthContext | null } {
    if (b.length === 0) return { id: "", context: null }
    const parts: Buffer[] = []
    let o = 3
    for (let i = 0; i < 4; i++) {
        if (o >= b.length || o + 1 + b[o] > b.length) throw new RangeError("stored re-auth context is truncated")
        parts.push(copyOf(b, o + 1, o + 1 + b[o]))
        o += 1 + b[o]
    }
    return { id: parts[3].toString("utf8"), context: { method: b[0], counter: readUIntBE(b, 1, 2), kEncr: parts[0], kAut: parts[1], reauthKey: parts[2] } }
}

/** Personalization: the record validated, fresh counters first, the record itself last (the commit point). */
export async function storeNewProfile(s: SettingsPort, record: Buffer): Promise<void> {
    const p = decodeProfile(record)
    await s.write(KEY_PIN_TRIES, uintToBytes(p.maxPinTries, 1), true)
    await s.write(KEY_SQN, encodeSqn(new SqnWindow()), true)
    await s.write(KEY_PSEUDONYM, Buffer.alloc(0), true)
    await s.write(KEY_REAUTH, Buffer.alloc(0), true)
    await s.write(KEY_PROFILE, record, true)
}

/**
 * The card session's durable state, in settings. Unchanged values are not written again (each
 * write costs a flash cycle); the PIN counter and the SQN window are verified, pseudonym and
 * re-auth context are not (losing them only means a full authentication next time).
 */
export class SettingsCardStorage implements AkaCardStorage {
    private readonly keys: string[] = []
    private readonly last: Buffer[] = []

    constructor(private readonly settings: SettingsPort) {}

    private async put(key: string, value: Buffer, verify: boolean): Promise<void> {
        const i = this.keys.indexOf(key)
        if (i >= 0 && constantTimeEqual(this.last[i], value)) return
        await this.settings.write(key, value, verify)
        if (i >= 0) this.last[i] = value
        else {
            this.keys.push(key)
            this.last.push(value)
        }
    }

    async savePin(r: PinRecord): Promise<void> {
        // Always written: the counter must be in flash before every comparison.
        await this.settings.write(KEY_PIN_TRIES, uintToBytes(r.triesLeft, 1), true)
    }

    async saveAkaState(s: PeerState): Promise<void> {
        await this.put(KEY_SQN, encodeSqn(s.sqn), true)
        await this.put(KEY_PSEUDONYM, fromUtf8(s.pseudonym), false)
        await this.put(KEY_REAUTH, encodeReauth(s.reauthId, s.reauth), false)
    }
}
