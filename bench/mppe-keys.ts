// MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 section 2.4): how a RADIUS server such as
// hostapd hands the EAP MSK to the NAS in an Access-Accept (RFC 3579 section 3.5: Recv-Key is the
// MSK's first 32 bytes, Send-Key the next 32). The benchmark's simulated terminals recover them to
// check that an authentication against the peer server really produced the card's keys.
//
//   value: Salt (2 bytes, high bit set) | String;  P = key length (1) | key | zero padding to 16n
//   b(1) = MD5(secret | Request Authenticator | Salt), b(i) = MD5(secret | c(i-1)), c(i) = p(i) xor b(i)

import { md5Parts } from "../src/crypto/md5"
import { ATTR_VENDOR_SPECIFIC, getAttributes } from "../src/radius/attributes"
import type { RadiusAttribute } from "../src/radius/packet"
import { decodeVendorSpecific, vendorIdOf } from "../src/radius/vendor"

export const VENDOR_MICROSOFT = 311
export const MS_MPPE_SEND_KEY = 16
export const MS_MPPE_RECV_KEY = 17

function chain(secret: Buffer, requestAuthenticator: Buffer, salt: Buffer, input: Buffer, decrypting: boolean): Buffer {
    const out = Buffer.alloc(input.length)
    let prev: Buffer = Buffer.concat([requestAuthenticator, salt])
    for (let o = 0; o < input.length; o += 16) {
        const b = md5Parts([secret, prev])
        for (let i = 0; i < 16; i++) out[o + i] = input[o + i] ^ b[i]
        prev = decrypting ? input.subarray(o, o + 16) : out.subarray(o, o + 16)
    }
    return out
}

/** The encrypted value of an MS-MPPE key attribute (the benchmark's tests use it to check recoverMppeKey). */
export function hideMppeKey(key: Buffer, salt: Buffer, requestAuthenticator: Buffer, secret: Buffer): Buffer {
    if (salt.length !== 2 || (salt[0] & 0x80) === 0) throw new RangeError("the salt is 2 bytes with its high bit set")
    const plain = Buffer.alloc(Math.ceil((key.length + 1) / 16) * 16)
    plain[0] = key.length
    key.copy(plain, 1)
    return Buffer.concat([salt, chain(secret, requestAuthenticator, salt, plain, false)])
}

/** The key inside an MS-MPPE key attribute's value, or null when it does not decrypt to a well-formed key. */
export function recoverMppeKey(value: Buffer, requestAuthenticator: Buffer, secret: Buffer): Buffer | null {
    if (value.length < 18 || (value.length - 2) % 16 !== 0 || (value[0] & 0x80) === 0) return null
    const plain = chain(secret, requestAuthenticator, value.subarray(0, 2), value.subarray(2), true)
    const n = plain[0]
    if (n === 0 || n > plain.length - 1) return null
    return plain.subarray(1, 1 + n)
}

/** The MSK's 64 bytes (Recv-Key then Send-Key) from an Access-Accept's attributes, or null when either key is missing or malformed. */
export function mskFromAccept(attributes: RadiusAttribute[], requestAuthenticator: Buffer, secret: Buffer): Buffer | null {
    let recv: Buffer | null = null
    let send: Buffer | null = null
    for (const value of getAttributes(attributes, ATTR_VENDOR_SPECIFIC)) {
        if (vendorIdOf(value) !== VENDOR_MICROSOFT) continue
        for (const sub of decodeVendorSpecific(value).subAttributes) {
            if (sub.type === MS_MPPE_RECV_KEY) recv = recoverMppeKey(sub.value, requestAuthenticator, secret)
            if (sub.type === MS_MPPE_SEND_KEY) send = recoverMppeKey(sub.value, requestAuthenticator, secret)
        }
    }
    return recv !== null && send !== null && recv.length === 32 && send.length === 32 ? Buffer.concat([recv, send]) : null
}
