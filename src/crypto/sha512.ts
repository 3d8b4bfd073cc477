// SHA-512 (FIPS 180-4 sections 5.3.5, 6.4) in bytecode: DeviceScript has no native SHA-512,
// and Ed25519 (RFC 8032) needs it for the secret scalar and prefix (a hash of the 32-byte seed) and
// for the challenge hash of R || A || message.
//
// The VM has no 64-bit integers, so every 64-bit word is a pair of 32-bit halves: the high half a
// signed int32, the low half an unsigned uint32 (what `>>> 0` gives). Additions sum the low halves
// as doubles (exact: a sum of a few uint32 stays far below 2^53) and carry `(sum / 2^32) | 0` into
// the high halves, whose `| 0` reduces mod 2^32; rotations take bits across the two halves.
//
// The compression works in place on a caller-owned state of sixteen halves with one reused
// schedule ring, so hashing allocates nothing per block (the ESP32 heap is small). Measured in the
// VM with a step-limit probe: one compression is 36,700 VM steps (about 0.6 ms), sha512() of 32
// bytes 42,000. One VM slice is 128K steps: sha512() takes at most MAX_SYNC_BYTES (239, the
// longest message that pads into two blocks: about 80K steps) and Sha512.update at most as much
// new input per call; Sha512.updateAsync takes any length and yields before every SLICE_BYTES
// (at most two compressions with a partly filled block), and sha512Async yields again before the
// padding.
//
// Measured choices (same VM, step-limit probe):
// - One round per loop iteration, the working words shifted down after it: 1.1 KB of bytecode.
//   Unrolling by eight (the words rotating roles) saves 10% of the steps for 1.9 KB more, and the
//   card's code section is the scarcer resource (docs/devicescript.md).
// - The schedule lives in a sixteen-word ring (32 numbers, 256 bytes of GC heap): 3% more steps
//   than an 80-word array, which would keep another 1 KB of heap.
// - The 80 round constants stay in flash (a hex literal) and are read in each round: 1.3 KB of
//   GC heap kept free for about 15% more steps per compression.
// - T1's low-half sum is left unnormalised (below 5 * 2^32) and carries into the two sums that use
//   it: 3% fewer steps than carrying it into T1 first.
//
// SHA-512 hashes public data in Ed25519 verification but the secret seed in signing. SHA-2 has
// no secret-dependent branch or table index by construction: every round runs the same
// operations on the data; the constants and the ring are indexed by round number only, and the
// carries are arithmetic, not comparisons. (The interpreter itself may take an integer or a
// floating-point path for the same operation depending on a value; that is below this code.)
// digest() clears the block buffer and the schedule ring, which would otherwise hold the last
// block (the schedule can be run backwards to the message).

import { hex } from "../bytes"

/** Largest input sha512() accepts, and Sha512.update per call: two compressions. */
export const MAX_SYNC_BYTES = 239

/** Bytes hashed between two yields by updateAsync: with a partly filled block, two compressions. */
export const SLICE_BYTES = 128

/**
 * FIPS 180-4 section 4.2.3: the first 64 bits of the fractional parts of the cube roots of the
 * first 80 primes, big-endian, in flash: read in each round rather than decoded into 1.3 KB of
 * GC heap (4% more steps per compression, measured).
 */
const K = hex`
    428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118
    d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e272be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694
    e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c652de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5
    983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e70
    27b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353b
    a2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b8
    19a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3
    748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532b
    ca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed17806f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b
    28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817
`

/** The schedule ring: W[t] at halves 2 * (t % 16) (high) and 2 * (t % 16) + 1 (low). */
const W: number[] = []
for (let i = 0; i < 32; i++) W.push(0)

/** FIPS 180-4 section 5.3.5: H(0). */
const H0 = hex`6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1510e527fade682d19b05688c2b3e6c1f1f83d9abfb41bd6b5be0cd19137e2179`

/** H(0) as [hi0, lo0, ..., hi7, lo7], high halves signed, low halves unsigned. */
export function sha512InitialState(): number[] {
    const h: number[] = []
    for (let i = 0; i < 64; i += 4) {
        const w = (H0[i] << 24) | (H0[i + 1] << 16) | (H0[i + 2] << 8) | H0[i + 3]
        h.push((i & 4) === 0 ? w : w >>> 0)
    }
    return h
}

/**
 * The SHA-512 compression function (FIPS 180-4 section 6.4.2) on block[off..off+128), updating
 * the state h (sixteen halves: high signed, low unsigned) in place. One round per iteration, the
 * working variables shifted down after it; from round 16 on, the round's schedule word is
 * computed into the ring slot of W[t-16] (W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]).
 */
export function sha512Compress(h: number[], block: Buffer, off: number): void {
    const w = W
    const k = K
    for (let i = 0; i < 16; i++) {
        const o = off + 8 * i
        w[2 * i] = (block[o] << 24) | (block[o + 1] << 16) | (block[o + 2] << 8) | block[o + 3]
        w[2 * i + 1] = ((block[o + 4] << 24) | (block[o + 5] << 16) | (block[o + 6] << 8) | block[o + 7]) >>> 0
    }
    let ah = h[0]
    let al = h[1]
    let bh = h[2]
    let bl = h[3]
    let ch = h[4]
    let cl = h[5]
    let dh = h[6]
    let dl = h[7]
    let eh = h[8]
    let el = h[9]
    let fh = h[10]
    let fl = h[11]
    let gh = h[12]
    let gl = h[13]
    let hh = h[14]
    let hl = h[15]
    let t = 0
    let u = 0
    let v = 0
    // i counts constant halves (two per round); j is the round's slot in the ring.
    for (let i = 0; i < 160; i += 2) {
        const j = i & 31
        if (i >= 32) {
            // x = W[t-2], y = W[t-15], W[t-7] 14 halves back; W[t-16] is the slot being overwritten.
            const xh = w[(j + 28) & 31]
            const xl = w[(j + 29) & 31]
            const yh = w[(j + 2) & 31]
            const yl = w[(j + 3) & 31]
            // sigma1(x) = ROTR19 ^ ROTR61 ^ SHR6, sigma0(y) = ROTR1 ^ ROTR8 ^ SHR7
            const lo =
                ((((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26))) >>> 0) +
                w[(j + 19) & 31] +
                ((((yl >>> 1) | (yh << 31)) ^ ((yl >>> 8) | (yh << 24)) ^ ((yl >>> 7) | (yh << 25))) >>> 0) +
                w[j + 1]
            w[j] =
                ((((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6)) +
                    w[(j + 18) & 31] +
                    (((yh >>> 1) | (yl << 31)) ^ ((yh >>> 8) | (yl << 24)) ^ (yh >>> 7)) +
                    w[j] +
                    ((lo / 4294967296) | 0)) |
                0
            w[j + 1] = lo >>> 0
        }
        // T1 = h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t]; T2 = Sigma0(a) + Maj(a, b, c), with
        // Sigma1 = ROTR14 ^ ROTR18 ^ ROTR41, Sigma0 = ROTR28 ^ ROTR34 ^ ROTR39 (ROTR by n >= 32 swaps
        // the halves), Ch written g ^ (e & (f ^ g)) and Maj written (a & b) | (c & (a | b)).
        const o = 4 * i // K[t] at k[8t..8t+8)
        const kh = (k[o] << 24) | (k[o + 1] << 16) | (k[o + 2] << 8) | k[o + 3]
        const kl = ((k[o + 4] << 24) | (k[o + 5] << 16) | (k[o + 6] << 8) | k[o + 7]) >>> 0
        t = hl + ((((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23))) >>> 0) + ((gl ^ (el & (fl ^ gl))) >>> 0) + kl + w[j + 1]
        u = hh + (((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23))) + (gh ^ (eh & (fh ^ gh))) + kh + w[j]
        // a' = T1 + T2 (computed first, from a, b, c); e' = d + T1; the others move down one place.
        v = t + ((((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25))) >>> 0) + (((al & bl) | (cl & (al | bl))) >>> 0)
        const nextAh = (u + (((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25))) + ((ah & bh) | (ch & (ah | bh))) + ((v / 4294967296) | 0)) | 0
        const nextAl = v >>> 0
        hh = gh
        hl = gl
        gh = fh
        gl = fl
        fh = eh
        fl = el
        v = dl + t
        eh = (dh + u + ((v / 4294967296) | 0)) | 0
        el = v >>> 0
        dh = ch
        dl = cl
        ch = bh
        cl = bl
        bh = ah
        bl = al
        ah = nextAh
        al = nextAl
    }
    v = h[1] + al
    h[0] = (h[0] + ah + ((v / 4294967296) | 0)) | 0
    h[1] = v >>> 0
    v = h[3] + bl
    h[2] = (h[2] + bh + ((v / 4294967296) | 0)) | 0
    h[3] = v >>> 0
    v = h[5] + cl
    h[4] = (h[4] + ch + ((v / 4294967296) | 0)) | 0
    h[5] = v >>> 0
    v = h[7] + dl
    h[6] = (h[6] + dh + ((v / 4294967296) | 0)) | 0
    h[7] = v >>> 0
    v = h[9] + el
    h[8] = (h[8] + eh + ((v / 4294967296) | 0)) | 0
    h[9] = v >>> 0
    v = h[11] + fl
    h[10] = (h[10] + fh + ((v / 4294967296) | 0)) | 0
    h[11] = v >>> 0
    v = h[13] + gl
    h[12] = (h[12] + gh + ((v / 4294967296) | 0)) | 0
    h[13] = v >>> 0
    v = h[15] + hl
    h[14] = (h[14] + hh + ((v / 4294967296) | 0)) | 0
    h[15] = v >>> 0
}

/** Writes the low 32 bits of v big-endian at b[off..off+4). */
function writeWord(b: Buffer, off: number, v: number): void {
    b[off] = (v >>> 24) & 0xff
    b[off + 1] = (v >>> 16) & 0xff
    b[off + 2] = (v >>> 8) & 0xff
    b[off + 3] = v & 0xff
}

/** Incremental SHA-512 (FIPS 180-4 section 5.1.2 padding: 0x80, zeros, the 128-bit bit length). */
export class Sha512 {
    private h: number[] = sha512InitialState()
    private buf = Buffer.alloc(128)
    private used = 0
    private total = 0
    private done = false

    /** Adds at most MAX_SYNC_BYTES (two compressions); longer input goes through updateAsync. */
    update(data: Buffer): Sha512 {
        if (data.length > MAX_SYNC_BYTES) throw new RangeError("sha512: update of " + data.length + " bytes, over " + MAX_SYNC_BYTES + "; use updateAsync")
        this.feed(data, 0, data.length)
        return this
    }

    /** Adds input of any length, SLICE_BYTES at a time with a yield before each. */
    async updateAsync(data: Buffer, yieldSlice: () => Promise<void>): Promise<Sha512> {
        for (let o = 0; o < data.length; o += SLICE_BYTES) {
            await yieldSlice()
            this.feed(data, o, Math.min(o + SLICE_BYTES, data.length))
        }
        return this
    }

    /** The 64-byte digest; the hash takes no more input after it. */
    digest(): Buffer {
        this.open()
        this.done = true
        const buf = this.buf
        const tail = this.used
        let used = tail
        buf[used++] = 0x80
        if (used > 112) {
            while (used < 128) buf[used++] = 0
            sha512Compress(this.h, buf, 0)
            used = 0
        }
        while (used < 120) buf[used++] = 0
        // The length in bits as a 128-bit big-endian number: bytes 112..119 stay zero (a double
        // holds the count exactly below 2^53 bits).
        const bits = this.total * 8
        writeWord(buf, 120, Math.floor(bits / 4294967296))
        writeWord(buf, 124, bits)
        sha512Compress(this.h, buf, 0)
        const out = Buffer.alloc(64)
        for (let i = 0; i < 16; i++) writeWord(out, 4 * i, this.h[i])
        // The message bytes left in the buffer (a two-block ending overwrote them with padding).
        for (let i = 0; i < tail; i++) buf[i] = 0
        for (let i = 0; i < 32; i++) W[i] = 0
        return out
    }

    private open(): void {
        if (this.done) throw new Error("sha512: digest already taken")
    }

    /** Hashes data[from..to): whole blocks straight from data, the rest through the block buffer. */
    private feed(data: Buffer, from: number, to: number): void {
        this.open()
        this.total += to - from
        const buf = this.buf
        let used = this.used
        let i = from
        if (used > 0) {
            while (i < to && used < 128) buf[used++] = data[i++]
            if (used < 128) {
                this.used = used
                return
            }
            sha512Compress(this.h, buf, 0)
            used = 0
        }
        while (to - i >= 128) {
            sha512Compress(this.h, data, i)
            i += 128
        }
        while (i < to) buf[used++] = data[i++]
        this.used = used
    }
}

/** SHA-512 of data, at most MAX_SYNC_BYTES (one synchronous call within half a VM slice). */
export function sha512(data: Buffer): Buffer {
    return new Sha512().update(data).digest() // update refuses more than MAX_SYNC_BYTES
}

/** SHA-512 of the concatenation of parts of any length, yielding between slices. */
export async function sha512Async(parts: Buffer[], yieldSlice: () => Promise<void>): Promise<Buffer> {
    const s = new Sha512()
    for (let i = 0; i < parts.length; i++) await s.updateAsync(parts[i], yieldSlice)
    await yieldSlice() // the padding may take two compressions
    return s.digest()
}
