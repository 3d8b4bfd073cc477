// Milenage (3GPP TS 35.206): f1, f1*, f2, f3, f4, f5, f5* over AES-128.
//
// Everything stays in 32-bit words between the six block encryptions: the rotations r1..r5 of
// TS 35.206 are all multiples of 32 bits, so they are word permutations and cost nothing.
// The lower-level functions (milenageKey, milenageTemp, f1, f2f5, f3, f4, f5star) let the card
// compute only what it needs, in the order it needs it (AK before SQN is known).

import { Aes128Key, aes128EncryptBlock, aes128EncryptWords, aes128ExpandKey, wordAt } from "./aes128"

/** K expanded once, plus OPc as words: what both the card and the AuC keep per subscriber. */
export interface MilenageKey {
    readonly aes: Aes128Key
    readonly opc: number[]
}

function words(b: Buffer, what: string): number[] {
    if (b.length !== 16) throw new RangeError(what + " must be 16 bytes")
    return [wordAt(b, 0), wordAt(b, 4), wordAt(b, 8), wordAt(b, 12)]
}

/** Bytes [from, from+len) of the block given as four words; `from` is a multiple of 4. */
function wordsToBytes(w: number[], from: number, len: number): Buffer {
    const out = Buffer.alloc(len)
    for (let i = 0; i < len; i += 4) {
        const x = w[(from + i) >> 2]
        out[i] = (x >>> 24) & 0xff
        out[i + 1] = (x >>> 16) & 0xff
        if (i + 2 < len) {
            out[i + 2] = (x >>> 8) & 0xff
            out[i + 3] = x & 0xff
        }
    }
    return out
}

export function milenageKey(k: Buffer, opc: Buffer): MilenageKey {
    return { aes: aes128ExpandKey(k), opc: words(opc, "OPc") }
}

/** OPc = OP xor E_K(OP). */
export function opc(k: Buffer, op: Buffer): Buffer {
    if (op.length !== 16) throw new RangeError("OP must be 16 bytes")
    const out = Buffer.alloc(16)
    aes128EncryptBlock(aes128ExpandKey(k), op, 0, out, 0)
    for (let i = 0; i < 16; i++) out[i] ^= op[i]
    return out
}

/** TEMP = E_K(RAND xor OPc), as four words. */
export function milenageTemp(key: MilenageKey, rand: Buffer): number[] {
    if (rand.length !== 16) throw new RangeError("RAND must be 16 bytes")
    const o = key.opc
    const temp: number[] = [0, 0, 0, 0]
    aes128EncryptWords(key.aes, wordAt(rand, 0) ^ o[0], wordAt(rand, 4) ^ o[1], wordAt(rand, 8) ^ o[2], wordAt(rand, 12) ^ o[3], temp)
    return temp
}

/** The output block of f1..f5*, consumed by wordsToBytes before the next one is computed. */
const OUT: number[] = [0, 0, 0, 0]

/**
 * OUT_i = E_K(rot(TEMP xor OPc, r_i) xor c_i) xor OPc for i = 2..5; rot by `rotWords` 32-bit words
 * towards the most significant end, c_i has its last byte set to `c`.
 */
function outBlock(key: MilenageKey, temp: number[], rotWords: number, c: number): number[] {
    const o = key.opc
    const x0 = temp[rotWords & 3] ^ o[rotWords & 3]
    const x1 = temp[(rotWords + 1) & 3] ^ o[(rotWords + 1) & 3]
    const x2 = temp[(rotWords + 2) & 3] ^ o[(rotWords + 2) & 3]
    const x3 = temp[(rotWords + 3) & 3] ^ o[(rotWords + 3) & 3]
    const out = OUT
    aes128EncryptWords(key.aes, x0, x1, x2, x3 ^ c, out)
    out[0] ^= o[0]
    out[1] ^= o[1]
    out[2] ^= o[2]
    out[3] ^= o[3]
    return out
}

export interface F1Result {
    macA: Buffer
    macS: Buffer
}

/** f1 and f1*: OUT1 = E_K(TEMP xor rot(IN1 xor OPc, 64) xor c1) xor OPc, IN1 = SQN||AMF||SQN||AMF, c1 = 0. */
export function f1(key: MilenageKey, temp: number[], sqn: Buffer, amf: Buffer): F1Result {
    if (sqn.length !== 6) throw new RangeError("SQN must be 6 bytes")
    if (amf.length !== 2) throw new RangeError("AMF must be 2 bytes")
    const o = key.opc
    const i0 = (sqn[0] << 24) | (sqn[1] << 16) | (sqn[2] << 8) | sqn[3]
    const i1 = (sqn[4] << 24) | (sqn[5] << 16) | (amf[0] << 8) | amf[1]
    // rot(IN1 xor OPc, 64) = (i0^o2, i1^o3, i0^o0, i1^o1) because IN1's halves are equal.
    const out = OUT
    aes128EncryptWords(key.aes, temp[0] ^ i0 ^ o[2], temp[1] ^ i1 ^ o[3], temp[2] ^ i0 ^ o[0], temp[3] ^ i1 ^ o[1], out)
    out[0] ^= o[0]
    out[1] ^= o[1]
    out[2] ^= o[2]
    out[3] ^= o[3]
    return { macA: wordsToBytes(out, 0, 8), macS: wordsToBytes(out, 8, 8) }
}

export interface F2F5Result {
    res: Buffer
    ak: Buffer
}

/** f2 (RES = OUT2[8..15]) and f5 (AK = OUT2[0..5]); r2 = 0, c2 = 1. */
export function f2f5(key: MilenageKey, temp: number[]): F2F5Result {
    const out = outBlock(key, temp, 0, 1)
    return { res: wordsToBytes(out, 8, 8), ak: wordsToBytes(out, 0, 6) }
}

/** f3: CK = OUT3; r3 = 32, c3 = 2. */
export function f3(key: MilenageKey, temp: number[]): Buffer {
    return wordsToBytes(outBlock(key, temp, 1, 2), 0, 16)
}

/** f4: IK = OUT4; r4 = 64, c4 = 4. */
export function f4(key: MilenageKey, temp: number[]): Buffer {
    return wordsToBytes(outBlock(key, temp, 2, 4), 0, 16)
}

/** f5*: AK* = OUT5[0..5]; r5 = 96, c5 = 8. */
export function f5star(key: MilenageKey, temp: number[]): Buffer {
    return wordsToBytes(outBlock(key, temp, 3, 8), 0, 6)
}

export interface MilenageResult {
    macA: Buffer
    macS: Buffer
    res: Buffer
    ck: Buffer
    ik: Buffer
    ak: Buffer
    akStar: Buffer
}

/**
 * All seven Milenage outputs for one RAND, SQN and AMF: the test vectors of TS 35.207/35.208 and
 * the benchmarks check and time the same functions the card and the AuC run, under the
 * MilenageKey the caller holds (its key schedule is expanded once, by milenageKey).
 */
export function milenage(key: MilenageKey, rand: Buffer, sqn: Buffer, amf: Buffer): MilenageResult {
    const temp = milenageTemp(key, rand)
    const mac = f1(key, temp, sqn, amf)
    const r = f2f5(key, temp)
    return { macA: mac.macA, macS: mac.macS, res: r.res, ck: f3(key, temp), ik: f4(key, temp), ak: r.ak, akStar: f5star(key, temp) }
}
