// The AKA procedure of 3GPP TS 33.102 section 6.3 on top of Milenage:
// the AuC builds a vector (RAND, XRES, CK, IK, AUTN), the card verifies AUTN and answers RES,
// or AUTS when its sequence number is out of range, and the AuC resynchronises from AUTS.

import { MilenageKey, f1, f2f5, f3, f4, f5star, milenageTemp } from "./milenage"
import { SqnWindow } from "./sqn"
import { concat, constantTimeEqual, copyOf, readUIntBE, uintToBytes, xor } from "../bytes"

export interface AuthVector {
    rand: Buffer
    xres: Buffer
    ck: Buffer
    ik: Buffer
    autn: Buffer
    /** SQN xor AK: the first six bytes of AUTN (an input of EAP-AKA' CK'/IK'). */
    sqnXorAk: Buffer
}

/** AuC side: AUTN = (SQN xor AK) || AMF || MAC-A. */
export function generateVector(key: MilenageKey, rand: Buffer, sqn: number, amf: Buffer): AuthVector {
    if (rand.length !== 16) throw new RangeError("RAND must be 16 bytes")
    const temp = milenageTemp(key, rand)
    const sqnBytes = uintToBytes(sqn, 6)
    const mac = f1(key, temp, sqnBytes, amf)
    const r = f2f5(key, temp)
    const sqnXorAk = xor(sqnBytes, r.ak)
    return {
        rand: rand,
        xres: r.res,
        ck: f3(key, temp),
        ik: f4(key, temp),
        autn: concat([sqnXorAk, amf, mac.macA]),
        sqnXorAk: sqnXorAk,
    }
}

/** AMF bit 0 (the most significant bit), the "separation bit" that EAP-AKA' requires set (TS 33.102 annex H, RFC 9048 3.1). */
export function amfSeparationBit(amf: Buffer): boolean {
    return (amf[0] & 0x80) !== 0
}

export type CardAkaResult =
    | { kind: "ok"; res: Buffer; ck: Buffer; ik: Buffer; sqn: number; sqnXorAk: Buffer }
    | { kind: "mac-failure" }
    | { kind: "amf-failure" }
    | { kind: "sync-failure"; auts: Buffer }

/**
 * Card side (TS 33.102 6.3.3): AK from RAND, SQN from AUTN, check MAC-A, then SQN freshness.
 * A MAC failure reveals nothing; a stale SQN yields AUTS; only a fresh, authentic AUTN updates
 * the window and releases RES, CK and IK.
 */
export function cardVerifyAutn(key: MilenageKey, window: SqnWindow, rand: Buffer, autn: Buffer, requireSeparationBit: boolean): CardAkaResult {
    if (rand.length !== 16 || autn.length !== 16) return { kind: "mac-failure" }
    const temp = milenageTemp(key, rand)
    const r = f2f5(key, temp)
    const sqnXorAk = copyOf(autn, 0, 6)
    const sqnBytes = xor(sqnXorAk, r.ak)
    const amf = copyOf(autn, 6, 8)
    const mac = f1(key, temp, sqnBytes, amf)
    if (!constantTimeEqual(mac.macA, copyOf(autn, 8, 16))) return { kind: "mac-failure" }
    if (requireSeparationBit && !amfSeparationBit(amf)) return { kind: "amf-failure" }
    const sqn = readUIntBE(sqnBytes, 0, 6)
    if (!window.isFresh(sqn)) return { kind: "sync-failure", auts: generateAuts(key, rand, window.highestSqn(), temp) }
    window.accept(sqn)
    return { kind: "ok", res: r.res, ck: f3(key, temp), ik: f4(key, temp), sqn: sqn, sqnXorAk: sqnXorAk }
}

const RESYNC_AMF = Buffer.alloc(2) // TS 33.102 6.3.3: AMF* is the dummy value 0x0000

/** AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(SQN_MS, RAND, AMF*). */
export function generateAuts(key: MilenageKey, rand: Buffer, sqnMs: number, temp?: number[]): Buffer {
    const t = temp ? temp : milenageTemp(key, rand)
    const sqnBytes = uintToBytes(sqnMs, 6)
    return concat([xor(sqnBytes, f5star(key, t)), f1(key, t, sqnBytes, RESYNC_AMF).macS])
}

/** AuC side (TS 33.102 6.3.5): the card's SQN_MS when AUTS is authentic, otherwise -1. */
export function resyncFromAuts(key: MilenageKey, rand: Buffer, auts: Buffer): number {
    if (rand.length !== 16 || auts.length !== 14) return -1
    const temp = milenageTemp(key, rand)
    const sqnBytes = xor(copyOf(auts, 0, 6), f5star(key, temp))
    const macS = f1(key, temp, sqnBytes, RESYNC_AMF).macS
    if (!constantTimeEqual(macS, copyOf(auts, 6, 14))) return -1
    return readUIntBE(sqnBytes, 0, 6)
}
