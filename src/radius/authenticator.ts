// RADIUS packet authentication, on the packet bytes exactly as sent or received:
// - Request Authenticator of Access-Request and Status-Server: 16 random bytes (RFC 2865 section
//   3), from an injected generator;
// - Request Authenticator of Accounting-Request: MD5(Code|ID|Length|16 zero bytes|Attributes|
//   Secret) (RFC 2866 section 3);
// - Response Authenticator: MD5(Code|ID|Length|Request Authenticator|Attributes|Secret)
//   (RFC 2865 section 3);
// - Message-Authenticator: HMAC-MD5(Secret, packet with the attribute's 16-byte value zeroed),
//   where a response is hashed with the Request Authenticator in place of its own (RFC 3579
//   section 3.2), an Accounting-Request with 16 zero bytes there (as FreeRADIUS does), and the
//   Response/Accounting Request Authenticator is computed last, over the packet with the
//   Message-Authenticator filled in.
// It is mandatory in any packet that carries EAP-Message (RFC 3579 section 3.2) and in
// Status-Server (RFC 5997 section 3); verification fails when it is required and missing.
// Comparisons are constant-time.
//
// Every operation exists twice: synchronous, for packets of at most MAX_SYNC_PACKET bytes (both
// hash passes fit one DeviceScript VM slice; larger packets are refused with a RangeError), and
// asynchronous (`...Async`), which yields between slices and takes any packet up to 4096 bytes.

import { constantTimeEqual, copyOf } from "../bytes"
import { md5Parts, md5PartsAsync } from "../crypto/md5"
import { HmacMd5Key, hmacMd5Async, hmacMd5Key, hmacMd5WithKey } from "../crypto/hmac-md5"
import {
    AUTHENTICATOR_LENGTH,
    checkPacket,
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_STATUS_SERVER,
    HEADER_LENGTH,
    isResponseCode,
    RadiusAttribute,
    RadiusFormatError,
    REASON_BAD_FIELD,
    REASON_BAD_LAYOUT,
    REASON_BAD_VALUE,
} from "./packet"
import { ATTR_EAP_MESSAGE, ATTR_MESSAGE_AUTHENTICATOR, withoutAttributes } from "./attributes"

export const MESSAGE_AUTHENTICATOR_LENGTH = 16

/**
 * Largest packet the synchronous functions take: its two hash passes fit one VM slice (measured:
 * a 512-byte signResponse is about half of the 128K-step slice, verifyResponse a little less).
 */
export const MAX_SYNC_PACKET = 512

/** Longest shared secret accepted (RFC 2865 sets no limit; this keeps one MD5 pass bounded). */
export const MAX_SECRET_LENGTH = 128

const ZERO16 = Buffer.alloc(16)

/** A shared secret with its HMAC-MD5 pad states computed once (two compressions saved per packet). */
export interface RadiusSecret {
    readonly secret: Buffer
    readonly hmacKey: HmacMd5Key
}

export function radiusSecret(secret: Buffer): RadiusSecret {
    // RFC 2865 section 3: the secret MUST NOT be empty.
    if (secret.length < 1 || secret.length > MAX_SECRET_LENGTH) throw new RangeError("RADIUS secret must be 1.." + MAX_SECRET_LENGTH + " bytes")
    const s = copyOf(secret)
    return { secret: s, hmacKey: hmacMd5Key(s) }
}

/** A fresh Request Authenticator for Access-Request or Status-Server: 16 bytes from `random`. */
export function newRequestAuthenticator(random: (n: number) => Buffer): Buffer {
    const r = random(AUTHENTICATOR_LENGTH)
    if (r.length !== AUTHENTICATOR_LENGTH) throw new RangeError("random source gave " + r.length + " bytes")
    return r
}

/**
 * The attributes with a Message-Authenticator placeholder (16 zero bytes) first, as recommended
 * against forged responses ("BlastRADIUS"); any Message-Authenticator already there is removed.
 * Encode, then sign with signRequest or signResponse.
 */
export function withMessageAuthenticator(attributes: RadiusAttribute[]): RadiusAttribute[] {
    const out: RadiusAttribute[] = [{ type: ATTR_MESSAGE_AUTHENTICATOR, value: Buffer.alloc(MESSAGE_AUTHENTICATOR_LENGTH) }]
    const rest = withoutAttributes(attributes, ATTR_MESSAGE_AUTHENTICATOR)
    for (let i = 0; i < rest.length; i++) out.push(rest[i])
    return out
}

/**
 * Offset of the Message-Authenticator attribute in the packet bytes, or -1 when there is none.
 * RadiusFormatError when the packet is malformed, has two, or one whose value is not 16 bytes.
 */
export function findMessageAuthenticator(packet: Buffer): number {
    checkPacket(packet)
    let found = -1
    for (let o = HEADER_LENGTH; o < packet.length; o += packet[o + 1]) {
        if (packet[o] !== ATTR_MESSAGE_AUTHENTICATOR) continue
        if (found >= 0) throw new RadiusFormatError(REASON_BAD_LAYOUT, "two Message-Authenticator attributes")
        if (packet[o + 1] !== 2 + MESSAGE_AUTHENTICATOR_LENGTH) throw new RadiusFormatError(REASON_BAD_VALUE, "Message-Authenticator of " + (packet[o + 1] - 2) + " bytes")
        found = o
    }
    return found
}

/** Whether a well-formed packet carries EAP-Message (then Message-Authenticator is mandatory). */
function carriesEap(packet: Buffer): boolean {
    for (let o = HEADER_LENGTH; o < packet.length; o += packet[o + 1]) if (packet[o] === ATTR_EAP_MESSAGE) return true
    return false
}

/**
 * What authenticating one packet takes: an HMAC-MD5 over the packet with `macAuth` in the
 * Authenticator field and the Message-Authenticator at `ma` zeroed (skipped when ma < 0), then an
 * MD5 over Code|ID|Length|`md5Auth`|Attributes|Secret written to or compared with the
 * Authenticator field (skipped when md5Auth is null).
 */
interface AuthPlan {
    bytes: Buffer
    ma: number
    macAuth: Buffer
    md5Auth: Buffer | null
}

function macParts(bytes: Buffer, auth: Buffer, ma: number): Buffer[] {
    const n = bytes.length
    return [bytes.slice(0, 4), auth, bytes.slice(HEADER_LENGTH, ma + 2), ZERO16, bytes.slice(ma + 2 + MESSAGE_AUTHENTICATOR_LENGTH, n)]
}

function md5AuthParts(bytes: Buffer, auth: Buffer, secret: RadiusSecret): Buffer[] {
    return [bytes.slice(0, 4), auth, bytes.slice(HEADER_LENGTH, bytes.length), secret.secret]
}

function requestPlan(packet: Buffer, ma: number): AuthPlan {
    const code = packet[0]
    if (code === CODE_ACCOUNTING_REQUEST) return { bytes: packet, ma: ma, macAuth: ZERO16, md5Auth: ZERO16 }
    if (code === CODE_ACCESS_REQUEST || code === CODE_STATUS_SERVER) return { bytes: packet, ma: ma, macAuth: copyOf(packet, 4, HEADER_LENGTH), md5Auth: null }
    throw new RadiusFormatError(REASON_BAD_FIELD, "code " + code + " is not a request this module signs")
}

function signRequestPlan(packet: Buffer): AuthPlan {
    const ma = findMessageAuthenticator(packet)
    return requestPlan(copyOf(packet), ma)
}

function signResponsePlan(packet: Buffer, requestAuthenticator: Buffer): AuthPlan {
    if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) throw new RangeError("Request Authenticator must be 16 bytes")
    const ma = findMessageAuthenticator(packet)
    if (!isResponseCode(packet[0])) throw new RadiusFormatError(REASON_BAD_FIELD, "code " + packet[0] + " is not a response")
    return { bytes: copyOf(packet), ma: ma, macAuth: requestAuthenticator, md5Auth: requestAuthenticator }
}

/** The plan to verify a request, or null when it cannot pass (malformed, or a required Message-Authenticator missing). */
function verifyRequestPlan(packet: Buffer, requireMessageAuthenticator: boolean): AuthPlan | null {
    let ma = -1
    try {
        ma = findMessageAuthenticator(packet)
    } catch (e) {
        return null
    }
    const code = packet[0]
    if (code !== CODE_ACCESS_REQUEST && code !== CODE_ACCOUNTING_REQUEST && code !== CODE_STATUS_SERVER) return null
    if (ma < 0 && (requireMessageAuthenticator || code === CODE_STATUS_SERVER || carriesEap(packet))) return null
    return requestPlan(packet, ma)
}

function verifyResponsePlan(packet: Buffer, requestAuthenticator: Buffer, requireMessageAuthenticator: boolean): AuthPlan | null {
    if (requestAuthenticator.length !== AUTHENTICATOR_LENGTH) return null
    let ma = -1
    try {
        ma = findMessageAuthenticator(packet)
    } catch (e) {
        return null
    }
    if (!isResponseCode(packet[0])) return null
    if (ma < 0 && (requireMessageAuthenticator || carriesEap(packet))) return null
    return { bytes: packet, ma: ma, macAuth: requestAuthenticator, md5Auth: requestAuthenticator }
}

function checkSyncSize(bytes: Buffer): void {
    if (bytes.length > MAX_SYNC_PACKET) throw new RangeError("packet over " + MAX_SYNC_PACKET + " bytes: use the Async variant")
}

function runSign(p: AuthPlan, secret: RadiusSecret): Buffer {
    checkSyncSize(p.bytes)
    if (p.ma >= 0) p.bytes.set(hmacMd5WithKey(secret.hmacKey, macParts(p.bytes, p.macAuth, p.ma)), p.ma + 2)
    if (p.md5Auth) p.bytes.set(md5Parts(md5AuthParts(p.bytes, p.md5Auth, secret)), 4)
    return p.bytes
}

async function runSignAsync(p: AuthPlan, secret: RadiusSecret, yieldSlice: () => Promise<void>): Promise<Buffer> {
    // A packet that fits one slice: one yield (a fresh slice), then both hashes at once.
    if (p.bytes.length <= MAX_SYNC_PACKET) {
        await yieldSlice()
        return runSign(p, secret)
    }
    if (p.ma >= 0) p.bytes.set(await hmacMd5Async(secret.hmacKey, macParts(p.bytes, p.macAuth, p.ma), yieldSlice), p.ma + 2)
    if (p.md5Auth) p.bytes.set(await md5PartsAsync(md5AuthParts(p.bytes, p.md5Auth, secret), yieldSlice), 4)
    return p.bytes
}

function macMatches(p: AuthPlan, mac: Buffer): boolean {
    return constantTimeEqual(mac, p.bytes.slice(p.ma + 2, p.ma + 2 + MESSAGE_AUTHENTICATOR_LENGTH))
}

function authMatches(p: AuthPlan, digest: Buffer): boolean {
    return constantTimeEqual(digest, p.bytes.slice(4, HEADER_LENGTH))
}

function runVerify(p: AuthPlan | null, secret: RadiusSecret): boolean {
    if (!p) return false
    checkSyncSize(p.bytes)
    if (p.md5Auth && !authMatches(p, md5Parts(md5AuthParts(p.bytes, p.md5Auth, secret)))) return false
    return p.ma < 0 || macMatches(p, hmacMd5WithKey(secret.hmacKey, macParts(p.bytes, p.macAuth, p.ma)))
}

async function runVerifyAsync(p: AuthPlan | null, secret: RadiusSecret, yieldSlice: () => Promise<void>): Promise<boolean> {
    if (!p) return false
    if (p.bytes.length <= MAX_SYNC_PACKET) {
        await yieldSlice()
        return runVerify(p, secret)
    }
    if (p.md5Auth && !authMatches(p, await md5PartsAsync(md5AuthParts(p.bytes, p.md5Auth, secret), yieldSlice))) return false
    return p.ma < 0 || macMatches(p, await hmacMd5Async(secret.hmacKey, macParts(p.bytes, p.macAuth, p.ma), yieldSlice))
}

/**
 * Signs an encoded request; returns a signed copy. Access-Request and Status-Server carry their
 * random Request Authenticator already: only the Message-Authenticator (if present) is filled.
 * Accounting-Request: Message-Authenticator (if present), then the Request Authenticator.
 */
export function signRequest(packet: Buffer, secret: RadiusSecret): Buffer {
    return runSign(signRequestPlan(packet), secret)
}

export async function signRequestAsync(packet: Buffer, secret: RadiusSecret, yieldSlice: () => Promise<void>): Promise<Buffer> {
    return await runSignAsync(signRequestPlan(packet), secret, yieldSlice)
}

/**
 * Signs an encoded response (Access-Accept/Reject/Challenge, Accounting-Response) to the request
 * whose authenticator is given; returns a signed copy: Message-Authenticator (if present), then
 * the Response Authenticator. The Authenticator field of `packet` is ignored.
 */
export function signResponse(packet: Buffer, requestAuthenticator: Buffer, secret: RadiusSecret): Buffer {
    return runSign(signResponsePlan(packet, requestAuthenticator), secret)
}

export async function signResponseAsync(packet: Buffer, requestAuthenticator: Buffer, secret: RadiusSecret, yieldSlice: () => Promise<void>): Promise<Buffer> {
    return await runSignAsync(signResponsePlan(packet, requestAuthenticator), secret, yieldSlice)
}

/**
 * Whether a received request is authentic: well-formed, a request code this layer serves
 * (Access-Request, Accounting-Request, Status-Server), its Message-Authenticator valid when
 * present and present when required (by the caller, by EAP-Message, by Status-Server), and an
 * Accounting-Request's Request Authenticator valid. False, never an exception, for any input
 * (but a RangeError over MAX_SYNC_PACKET bytes: use verifyRequestAsync).
 */
export function verifyRequest(packet: Buffer, secret: RadiusSecret, requireMessageAuthenticator: boolean): boolean {
    return runVerify(verifyRequestPlan(packet, requireMessageAuthenticator), secret)
}

export async function verifyRequestAsync(packet: Buffer, secret: RadiusSecret, requireMessageAuthenticator: boolean, yieldSlice: () => Promise<void>): Promise<boolean> {
    return await runVerifyAsync(verifyRequestPlan(packet, requireMessageAuthenticator), secret, yieldSlice)
}

/**
 * Whether a received response answers the request with this authenticator: well-formed, a
 * response code, the Response Authenticator valid, and the Message-Authenticator valid when
 * present and present when required (by the caller, or because it carries EAP-Message).
 * The caller matches the Identifier. False, never an exception, for any input (but a RangeError
 * over MAX_SYNC_PACKET bytes: use verifyResponseAsync).
 */
export function verifyResponse(packet: Buffer, requestAuthenticator: Buffer, secret: RadiusSecret, requireMessageAuthenticator: boolean): boolean {
    return runVerify(verifyResponsePlan(packet, requestAuthenticator, requireMessageAuthenticator), secret)
}

export async function verifyResponseAsync(
    packet: Buffer,
    requestAuthenticator: Buffer,
    secret: RadiusSecret,
    requireMessageAuthenticator: boolean,
    yieldSlice: () => Promise<void>,
): Promise<boolean> {
    return await runVerifyAsync(verifyResponsePlan(packet, requestAuthenticator, requireMessageAuthenticator), secret, yieldSlice)
}
