// ChaCha20-Poly1305 AEAD (RFC 8439), the cipher of TLS_CHACHA20_POLY1305_SHA256, in bytecode:
// ChaCha20 on 32-bit words (additions kept to 32 bits with `| 0`), Poly1305 on 16-bit limbs so
// that every product and sum stays an exact integer in a double (the VM's numbers).
// Measured beside AES-128-GCM (aes128-gcm.ts) for the card's TLS 1.3 records; AES-128-GCM is
// faster in the VM and smaller over the AES core the card has (docs/benchmarks.md).

import { constantTimeEqual } from "../bytes"

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]

function le32(b: Buffer, o: number): number {
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) | 0
}

function rotl(x: number, n: number): number {
    return (x << n) | (x >>> (32 - n))
}

/** ChaCha20's quarter round on four words of `x`. */
function quarter(x: number[], a: number, b: number, c: number, d: number): void {
    x[a] = (x[a] + x[b]) | 0
    x[d] = rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) | 0
    x[b] = rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) | 0
    x[d] = rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) | 0
    x[b] = rotl(x[b] ^ x[c], 7)
}

/** The 64-byte key stream block for `counter` (RFC 8439 2.3). */
export function chacha20Block(key: Buffer, counter: number, nonce: Buffer): Buffer {
    if (key.length !== 32 || nonce.length !== 12) throw new RangeError("ChaCha20 takes a 32-byte key and a 12-byte nonce")
    const state: number[] = [SIGMA[0], SIGMA[1], SIGMA[2], SIGMA[3]]
    for (let i = 0; i < 8; i++) state.push(le32(key, 4 * i))
    state.push(counter | 0)
    for (let i = 0; i < 3; i++) state.push(le32(nonce, 4 * i))
    const x = state.slice(0)
    for (let round = 0; round < 10; round++) {
        quarter(x, 0, 4, 8, 12)
        quarter(x, 1, 5, 9, 13)
        quarter(x, 2, 6, 10, 14)
        quarter(x, 3, 7, 11, 15)
        quarter(x, 0, 5, 10, 15)
        quarter(x, 1, 6, 11, 12)
        quarter(x, 2, 7, 8, 13)
        quarter(x, 3, 4, 9, 14)
    }
    const out = Buffer.alloc(64)
    for (let i = 0; i < 16; i++) {
        const w = (x[i] + state[i]) | 0
        out[4 * i] = w & 0xff
        out[4 * i + 1] = (w >>> 8) & 0xff
        out[4 * i + 2] = (w >>> 16) & 0xff
        out[4 * i + 3] = (w >>> 24) & 0xff
    }
    return out
}

/** `data` XOR the key stream from block `counter` on (RFC 8439 2.4). */
export function chacha20Xor(key: Buffer, counter: number, nonce: Buffer, data: Buffer): Buffer {
    const out = Buffer.alloc(data.length)
    for (let o = 0; o < data.length; o += 64) {
        const block = chacha20Block(key, counter + o / 64, nonce)
        const n = Math.min(64, data.length - o)
        for (let i = 0; i < n; i++) out[o + i] = data[o + i] ^ block[i]
    }
    return out
}

/** Little-endian 16-bit limbs of b[o..o+len), with `extra` in the limb after them (the 2^128 bit of a block). */
function limbs(b: Buffer, o: number, len: number, count: number): number[] {
    const out: number[] = []
    for (let i = 0; i < count; i++) {
        const lo = 2 * i < len ? b[o + 2 * i] : 2 * i === len ? 1 : 0
        const hi = 2 * i + 1 < len ? b[o + 2 * i + 1] : 2 * i + 1 === len ? 1 : 0
        out.push(lo | (hi << 8))
    }
    return out
}

/** h = h * r mod 2^130 - 5, partly reduced (below 2^130 + 2^18), on 16-bit limbs: h has 9, r has 8. */
function mulMod(h: number[], r: number[]): void {
    const p: number[] = []
    for (let i = 0; i < 18; i++) p.push(0)
    for (let i = 0; i < 9; i++) for (let j = 0; j < 8; j++) p[i + j] += h[i] * r[j]
    // Carry to 16-bit limbs. The sums stay below 2^40, exact in a double; the VM's `%` is wrong
    // past 2^32, so the low part is taken by subtraction.
    let c = 0
    for (let i = 0; i < 17; i++) {
        const v = p[i] + c
        c = Math.floor(v / 65536)
        p[i] = v - c * 65536
    }
    // 2^130 = 5 (mod p): the bits from 130 up (bit 2 of limb 8 on), times 5, go back to the bottom.
    c = 0
    for (let i = 0; i < 9; i++) {
        const high = (p[8 + i] >>> 2) | ((p[9 + i] & 3) << 14)
        const v = (i < 8 ? p[i] : p[8] & 3) + 5 * high + c
        h[i] = v & 0xffff
        c = v >>> 16
    }
    // What reaches bit 130 again (a few bits) wraps once more.
    c = 5 * (h[8] >>> 2)
    h[8] = h[8] & 3
    for (let i = 0; i < 9 && c > 0; i++) {
        const v = h[i] + c
        h[i] = v & 0xffff
        c = v >>> 16
    }
}

/** Poly1305 tag of `msg` under the 32-byte one-time key (RFC 8439 2.5). */
export function poly1305(otk: Buffer, msg: Buffer): Buffer {
    const r = limbs(otk, 0, 16, 8)
    // Clamp: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
    r[1] &= 0x0fff
    r[2] &= 0xfffc
    r[3] &= 0x0fff
    r[4] &= 0xfffc
    r[5] &= 0x0fff
    r[6] &= 0xfffc
    r[7] &= 0x0fff
    const h: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0]
    for (let o = 0; o < msg.length; o += 16) {
        const n = limbs(msg, o, Math.min(16, msg.length - o), 9)
        let c = 0
        for (let i = 0; i < 9; i++) {
            const v = h[i] + n[i] + c
            h[i] = v & 0xffff
            c = v >>> 16
        }
        mulMod(h, r)
    }
    // Fully reduced: h - p when h >= p = 2^130 - 5 (h + 5 reaches bit 130).
    const g: number[] = []
    let c = 5
    for (let i = 0; i < 9; i++) {
        const v = h[i] + c
        g.push(v & 0xffff)
        c = v >>> 16
    }
    const useG = g[8] >= 4
    // Tag = (h + s) mod 2^128.
    const s = limbs(otk, 16, 16, 8)
    const tag = Buffer.alloc(16)
    c = 0
    for (let i = 0; i < 8; i++) {
        const v = (useG ? g[i] : h[i]) + s[i] + c
        tag[2 * i] = v & 0xff
        tag[2 * i + 1] = (v >>> 8) & 0xff
        c = v >= 65536 ? 1 : 0
    }
    return tag
}

function pad16(n: number): number {
    return (16 - (n % 16)) % 16
}

/** The Poly1305 input of the AEAD construction: aad, padding, ciphertext, padding, both lengths. */
function macData(aad: Buffer, ct: Buffer): Buffer {
    const a = aad.length + pad16(aad.length)
    const c = ct.length + pad16(ct.length)
    const m = Buffer.alloc(a + c + 16)
    m.set(aad, 0)
    m.set(ct, a)
    // Lengths as 64-bit little-endian (under 2^32 here).
    const lens = [aad.length, ct.length]
    for (let k = 0; k < 2; k++) for (let i = 0; i < 4; i++) m[a + c + 8 * k + i] = (lens[k] >>> (8 * i)) & 0xff
    return m
}

/** Ciphertext and 16-byte tag (RFC 8439 2.8). */
export function chacha20Poly1305Seal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
    const otk = chacha20Block(key, 0, nonce).slice(0, 32)
    const ct = chacha20Xor(key, 1, nonce, plaintext)
    const tag = poly1305(otk, macData(aad, ct))
    const out = Buffer.alloc(ct.length + 16)
    out.set(ct, 0)
    out.set(tag, ct.length)
    return out
}

/** The plaintext, or null when the tag does not verify. */
export function chacha20Poly1305Open(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer | null {
    if (sealed.length < 16) return null
    const ct = sealed.slice(0, sealed.length - 16)
    const otk = chacha20Block(key, 0, nonce).slice(0, 32)
    if (!constantTimeEqual(poly1305(otk, macData(aad, ct)), sealed.slice(sealed.length - 16, sealed.length))) return null
    return chacha20Xor(key, 1, nonce, ct)
}
