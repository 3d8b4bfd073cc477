// User-Password hiding (RFC 2865 section 5.2): the password, padded with zeros to a multiple of
// 16 bytes (at most 128), is XORed block by block with b1 = MD5(S + RA), b(i) = MD5(S + c(i-1)).
// The payment flows authenticate with EAP; this exists for standard clients that send PAP
// (radclient, radtest), which the interoperability tests use.

import { copyOf } from "../bytes"
import { md5Parts } from "../crypto/md5"
import { AUTHENTICATOR_LENGTH, RadiusFormatError, REASON_BAD_VALUE } from "./packet"
import { RadiusSecret } from "./authenticator"

export const MAX_PASSWORD_LENGTH = 128

function check(requestAuthenticator: Buffer): void {
    if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) throw new RangeError("Request Authenticator must be 16 bytes")
}

/** The User-Password value for a password of 1..128 bytes. */
export function hideUserPassword(password: Buffer, requestAuthenticator: Buffer, secret: RadiusSecret): Buffer {
    check(requestAuthenticator)
    if (password.length < 1 || password.length > MAX_PASSWORD_LENGTH) throw new RadiusFormatError(REASON_BAD_VALUE, "password of " + password.length + " bytes")
    const n = Math.ceil(password.length / 16) * 16
    const out = Buffer.alloc(n)
    out.set(password, 0)
    let chain = requestAuthenticator
    for (let o = 0; o < n; o += 16) {
        const b = md5Parts([secret.secret, chain])
        for (let i = 0; i < 16; i++) out[o + i] ^= b[i]
        chain = out.slice(o, o + 16)
    }
    return out
}

/** The password in a User-Password value, trailing zero padding removed. */
export function recoverUserPassword(hidden: Buffer, requestAuthenticator: Buffer, secret: RadiusSecret): Buffer {
    check(requestAuthenticator)
    const n = hidden.length
    if (n < 16 || n > MAX_PASSWORD_LENGTH || (n & 15) !== 0) throw new RadiusFormatError(REASON_BAD_VALUE, "User-Password of " + n + " bytes")
    const out = Buffer.alloc(n)
    let chain = requestAuthenticator
    for (let o = 0; o < n; o += 16) {
        const b = md5Parts([secret.secret, chain])
        for (let i = 0; i < 16; i++) out[o + i] = hidden[o + i] ^ b[i]
        chain = hidden.slice(o, o + 16)
    }
    let end = n
    while (end > 0 && out[end - 1] === 0) end--
    return copyOf(out, 0, end)
}
