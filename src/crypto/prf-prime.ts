// PRF' of EAP-AKA' (RFC 9048 section 3.4, from RFC 5448):
// PRF'(K, S) = T1 | T2 | ..., T1 = HMAC-SHA-256(K, S | 0x01), Tn = HMAC-SHA-256(K, Tn-1 | S | n).

import { HmacSha256 } from "./hmac-sha256"
import { zeroBytes } from "../bytes"

export function prfPrime(hmac: HmacSha256, key: Buffer, s: Buffer, outLen: number): Buffer {
    if (outLen <= 0 || outLen > 255 * 32) throw new RangeError("PRF' output length out of range")
    const out = zeroBytes(outLen)
    let t: Buffer = Buffer.alloc(0)
    const counter = Buffer.alloc(1)
    for (let n = 1, o = 0; o < outLen; n++, o += 32) {
        counter[0] = n
        t = hmac(key, [t, s, counter])
        for (let i = 0; i < 32 && o + i < outLen; i++) out[o + i] = t[i]
    }
    return out
}
