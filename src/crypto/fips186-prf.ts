// The pseudo-random function of EAP-SIM/EAP-AKA: FIPS 186-2 change notice 1, Appendix 3.1 with
// the modifications of RFC 4186 Appendix B / RFC 4187 section 7: b = 160, no XSEED,
// x_j = G(XKEY) with G the raw SHA-1 compression of XKEY zero-padded to 64 bytes, and
// XKEY = (1 + XKEY + x_j) mod 2^160.

import { sha1Compress, sha1InitialState } from "./sha1"
import { copyOf, writeU32BE, zeroBytes } from "../bytes"

/** EAP-AKA needs 160 bytes (8 compressions); 320 would not fit one VM slice. */
export const MAX_PRF_BYTES = 160

export function fips186Prf(xkey: Buffer, outLen: number): Buffer {
    if (xkey.length !== 20) throw new RangeError("FIPS 186-2 PRF needs a 20-byte XKEY")
    if (outLen <= 0 || outLen > MAX_PRF_BYTES) throw new RangeError("PRF output must be 1.." + MAX_PRF_BYTES + " bytes")
    const key = Buffer.alloc(64)
    key.set(xkey, 0)
    // Whole 20-byte x values are generated; the caller gets the first outLen bytes.
    const out = zeroBytes(Math.ceil(outLen / 20) * 20)
    const h: number[] = [0, 0, 0, 0, 0]
    for (let o = 0; o < outLen; o += 20) {
        const init = sha1InitialState()
        for (let i = 0; i < 5; i++) h[i] = init[i]
        sha1Compress(h, key, 0)
        for (let i = 0; i < 5; i++) writeU32BE(out, o + 4 * i, h[i])
        // XKEY = (1 + XKEY + x_j) mod 2^160, big-endian byte addition.
        let carry = 1
        for (let i = 19; i >= 0; i--) {
            const s = key[i] + out[o + i] + carry
            key[i] = s & 0xff
            carry = s >> 8
        }
    }
    return outLen === out.length ? out : copyOf(out, 0, outLen)
}
