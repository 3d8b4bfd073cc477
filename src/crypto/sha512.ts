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
 * first 80 primes, each as its high then its low 32-bit half, little-endian, in flash: read in
 * each round by getAt (one VM step a half) rather than decoded into 1.3 KB of GC heap.
 */
const K = hex`
    982f8a4222ae28d791443771cd65ef23cffbc0b52f3b4deca5dbb5e9bcdb89815bc2563938b548f3f111f15919d005b6a4823f929b4f19afd55e1cab18816dda
    98aa07d8420203a3015b8312be6f7045be8531248cb2e44ec37d0c55e2b4ffd5745dbe726f897bf2feb1de80b196163ba706dc9b3512c72574f19bc1942669cf
    c1699be4d24af19e8647beefe3254f38c69dc10fb5d58c8bcca10c24659cac776f2ce92d75022b59aa84744a83e4a66edca9b05cd4fb41bdda88f976b5531183
    52513e98abdf66ee6dc631a81032b42dc82703b03f21fb98c77f59bfe40eefbef30be0c6c28fa83d4791a7d525a70a935163ca066f8203e067292914706e0e0a
    850ab727fc2fd24638211b2e26c9265cfc6d2c4ded2ac45a130d3853dfb3959d54730a65de63af8bbb0a6a76a8b2773c2ec9c281e6aeed47852c72923b358214
    a1e8bfa26403f14c4b661aa8013042bc708b4bc29197f8d0a3516cc730be540619e892d11852efd6240699d610a9655585350ef42a20715770a06a10b8d1bb32
    16c1a419c8d0d2b8086c371e53ab41514c77482799eb8edfb5bcb034a8489be1b30c1c39635ac9c54aaad84ecb8a41e34fca9c5b73e36377f36f2e68a3b8b2d6
    ee828f74fcb2ef5d6f63a578602f17431478c88472abf0a10802c78cec39641afaffbe90281e6323eb6c50a4e9bd82def7a3f9be1579c6b2f27871c62b5372e3
    ce3e27ca9c6126eac7b886d107c2c021d67ddaea1eebe0cd7f4f7df578d16eeeaa67f006ba6f1772c57d630aa698c8a204983f11ae0df9be350b711b1b471c13
    f577db28847d04237babca329324c7400abe9e3cbcbec915c4671d434c0d109cbed4c54cb6423ecb9c297f592a7e65fcab6fcb5fecfad63a8c19446c1758474a
`

/** The schedule ring: W[t] at halves 2 * (t % 16) (high) and 2 * (t % 16) + 1 (low). */
const W: number[] = []
for (let i = 0; i < 32; i++) W.push(0)

/** FIPS 180-4 section 5.3.5: H(0), halves stored as K's. */
const H0 = hex`67e6096a08c9bcf385ae67bb3ba7ca8472f36e3c2bf894fe3af54fa5f1361d5f7f520e51d182e6ad8c68059b1f6c3e2babd9831f6bbd41fb19cde05b79217e13`

/** H(0) as [hi0, lo0, ..., hi7, lo7], high halves signed, low halves unsigned. */
export function sha512InitialState(): number[] {
    const h: number[] = []
    for (let i = 0; i < 16; i++) {
        const w = H0.getAt(4 * i, "i32")
        h.push((i & 1) === 0 ? w : w >>> 0)
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
        const kh = k.getAt(4 * i, "i32") // K[t] at k[8t..8t+8)
        const kl = k.getAt(4 * i + 4, "i32") >>> 0
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
    // H(i) = H(i-1) + (a..h): the working halves go through the ring (the schedule is done), so
    // one loop adds them.
    w[0] = ah
    w[1] = al
    w[2] = bh
    w[3] = bl
    w[4] = ch
    w[5] = cl
    w[6] = dh
    w[7] = dl
    w[8] = eh
    w[9] = el
    w[10] = fh
    w[11] = fl
    w[12] = gh
    w[13] = gl
    w[14] = hh
    w[15] = hl
    for (let i = 0; i < 16; i += 2) {
        v = h[i + 1] + w[i + 1]
        h[i] = (h[i] + w[i] + ((v / 4294967296) | 0)) | 0
        h[i + 1] = v >>> 0
    }
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
