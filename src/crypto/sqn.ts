// Sequence numbers for AKA (3GPP TS 33.102 annex C): SQN = SEQ (43 bits) || IND (5 bits).
// The USIM side keeps one SEQ per IND value (an array of 32) so that vectors issued by
// different server nodes, or used out of order, are still accepted once each.
// SQN values are plain numbers: 48 bits are exact in a double on Node and in the VM,
// and only +, -, *, / and Math.floor touch them (the VM's bitwise operators and % are 32-bit).

export const IND_BITS = 5
export const IND_COUNT = 1 << IND_BITS
/** Annex C.2.2: largest accepted jump of SEQ beyond the highest SEQ accepted so far. */
export const DELTA = 268435456 // 2^28
export const MAX_SQN = 281474976710655 // 2^48 - 1

export function sqnOf(seq: number, ind: number): number {
    return seq * IND_COUNT + ind
}

export function seqOf(sqn: number): number {
    return Math.floor(sqn / IND_COUNT)
}

export function indOf(sqn: number): number {
    // Not `sqn % IND_COUNT`: the DeviceScript VM computes % on 32-bit integers, and SQN has 48 bits.
    return sqn - Math.floor(sqn / IND_COUNT) * IND_COUNT
}

/** The card's SEQ_MS array (TS 33.102 C.2.2). */
export class SqnWindow {
    readonly seqMs: number[]

    constructor(seqMs?: number[]) {
        const a: number[] = []
        for (let i = 0; i < IND_COUNT; i++) a.push(seqMs && i < seqMs.length ? seqMs[i] : 0)
        this.seqMs = a
    }

    /** The highest SEQ accepted so far, and the IND it was accepted under. */
    highestSqn(): number {
        let best = 0
        for (let i = 0; i < IND_COUNT; i++) {
            const s = sqnOf(this.seqMs[i], i)
            if (this.seqMs[i] > seqOf(best) || (this.seqMs[i] === seqOf(best) && s > best)) best = s
        }
        return best
    }

    /** C.2.2: fresh when SEQ > SEQ_MS(IND) and SEQ - SEQ_MS(max) <= DELTA. */
    isFresh(sqn: number): boolean {
        if (sqn < 0 || sqn > MAX_SQN || sqn !== Math.floor(sqn)) return false
        const seq = seqOf(sqn)
        if (seq <= this.seqMs[indOf(sqn)]) return false
        return seq - seqOf(this.highestSqn()) <= DELTA
    }

    accept(sqn: number): void {
        this.seqMs[indOf(sqn)] = seqOf(sqn)
    }
}
