// The card's side of certificate enrolment over CMP (RFC 4210 as updated by RFC 9480), profiled by
// Lightweight CMP (RFC 9483 4.1.1): ir -> ip -> certConf -> pkiConf for an Ed25519 key, with
// the reference number and one-time secret from the CA's registration desk.
//
// - ir: one CertReqMsg (RFC 4211) with certReqId 0, a template of subject CN and the Ed25519
//   SubjectPublicKeyInfo (RFC 8410), and a signature proof of possession (id-Ed25519 over the DER
//   CertRequest, 4.1). The header has pvno 2 (cmp2000, what OpenSSL sends), the subject as sender,
//   the NULL-DN as recipient (the CA's name is not known before its certificate arrives), the
//   reference number as senderKID, and a fresh 16-byte transactionID and senderNonce. No
//   messageTime: it is optional and the card may have no clock yet.
// - Protection: PasswordBasedMac (RFC 4211 4.4, RFC 9481 6.1.1) keyed by the one-time secret:
//   SHA-256 iterated PBM_ITERATIONS times over secret || salt, then HMAC-SHA-256 over ProtectedPart.
//   SHA-256 is native on the device, but a call still costs VM steps: the iteration yields every
//   PBM_CHUNK hashes. The key for our salt is kept for certConf; each answer has its own salt.
// - Answers: an `error` body (protected or not) only ever ends the enrolment with a CmpError, never
//   counts as success. Anything else must carry our transactionID, echo our senderNonce and verify
//   under the secret with our PasswordBasedMac parameters but its own salt (the CA answers with
//   the request's algorithms and count; a forged answer cannot make the card hash for long). The ip must accept (or grant with modifications)
//   certReqId 0 with a certificate for our public key; certConf then carries certHash = SHA-512 of
//   the certificate DER (RFC 9481 2: the hash of an Ed25519 signature is SHA-512), and the pkiConf
//   ends the enrolment.

import { constantTimeEqual, copyOf, fromUtf8, hex, utf8At } from "../bytes"
import { FormatError } from "../format-error"
import { at, children, content, derBits, derText, inner, readDer, readSmallInt, tbsFields, tlv, whole, type Tlv } from "../asn1/der"
import type { HmacSha256 } from "../crypto/hmac-sha256"
import type { Sha256 } from "../crypto/sha256"
import { sha512Async } from "../crypto/sha512"

export interface CmpPlatform {
    sha256: Sha256
    hmacSha256: HmacSha256
    randomBytes: (n: number) => Buffer
    yieldSlice: () => Promise<void>
}

/** Signs with the card's Ed25519 key (the 64-byte signature of `message`). */
export type Signer = (message: Buffer) => Promise<Buffer>

/** PasswordBasedMac iterations, of our requests and of the answers (PBM_TAIL encodes it). */
export const PBM_ITERATIONS = 10000
/** SHA-256 iterations between two yields. */
const PBM_CHUNK = 1000

/** A refusal by the CA (its status text and failInfo bit, RFC 4210 5.2.3) or of its answer by the card. */
export class CmpError extends Error {
    /** The lowest PKIFailureInfo bit set (1 badMessageCheck, 13 badRecipientNonce, 23 notAuthorized, ...), or -1. */
    failInfo: number
    constructor(message: string, failInfo: number) {
        super(message)
        this.name = "CmpError"
        this.failInfo = failInfo
    }
}

/** One enrolment in progress. */
export interface CmpSession {
    secret: Buffer
    kid: Buffer
    tid: Buffer
    /** Our last senderNonce, which the answer must echo. */
    nonce: Buffer
    /** GeneralName directoryName of the subject. */
    sender: Buffer
    spki: Buffer
    /** The header's [1] protectionAlg with our salt, and the PBM key it gives. */
    protectionAlg: Buffer
    key: Buffer
    /** The message to send next (ir, then certConf). */
    request: Buffer
    /** The certificate, once an ip delivered it. */
    certificate: Buffer | null
}

const PVNO_2 = hex`020102`
const INT_0 = hex`020100`
/** pkiConf ::= [19] NULL */
const PKICONF = hex`b3020500`
/** GeneralName directoryName of the empty Name. */
const NULL_DN = hex`a4023000`
const OID_CN = hex`0603550403`
const ALG_ED25519 = hex`300506032b6570`
const OID_PBM = hex`06092a864886f67d07420d`
/** PBMParameter after the salt: owf SHA-256, iterationCount PBM_ITERATIONS (10000), mac HMAC-SHA-256. */
const PBM_TAIL = hex`300b0609608648016503040201 02022710 300a06082a864886f70d0209`

async function pbmKey(p: CmpPlatform, secret: Buffer, salt: Buffer): Promise<Buffer> {
    let k = p.sha256([secret, salt])
    for (let i = 1; i < PBM_ITERATIONS; i++) {
        if (i % PBM_CHUNK === 1) await p.yieldSlice() // before each chunk, the first included
        k = p.sha256([k])
    }
    return k
}

/** header || body || [0] protection, with a fresh senderNonce (and recipNonce when answering the CA). */
function protect(p: CmpPlatform, s: CmpSession, body: Buffer, recipNonce: Buffer | null): Buffer {
    s.nonce = p.randomBytes(16)
    const fields = [PVNO_2, s.sender, NULL_DN, s.protectionAlg, tlv(0xa2, [tlv(0x04, [s.kid])]), tlv(0xa4, [tlv(0x04, [s.tid])]), tlv(0xa5, [tlv(0x04, [s.nonce])])]
    if (recipNonce !== null) fields.push(tlv(0xa6, [tlv(0x04, [recipNonce])]))
    const header = tlv(0x30, fields)
    const mac = p.hmacSha256(s.key, [tlv(0x30, [header, body])])
    return tlv(0x30, [header, body, tlv(0xa0, [derBits(mac)])])
}

/**
 * Starts an enrolment: the session with its ir in `request`. `reference` and `secret` are the
 * registration desk's; `name` the subject CN; `sign` signs with the key of `publicKey`.
 */
export async function cmpIr(p: CmpPlatform, reference: string, secret: Buffer, name: string, publicKey: Buffer, sign: Signer): Promise<CmpSession> {
    const subject = tlv(0x30, [tlv(0x31, [tlv(0x30, [OID_CN, derText(0x0c, name)])])])
    const keyBits = derBits(publicKey)
    const salt = p.randomBytes(16)
    const s: CmpSession = {
        secret: secret,
        kid: fromUtf8(reference),
        tid: p.randomBytes(16),
        nonce: salt,
        sender: tlv(0xa4, [subject]),
        spki: tlv(0x30, [ALG_ED25519, keyBits]),
        protectionAlg: tlv(0xa1, [tlv(0x30, [OID_PBM, tlv(0x30, [tlv(0x04, [salt]), PBM_TAIL])])]),
        key: await pbmKey(p, secret, salt),
        request: salt,
        certificate: null,
    }
    const certReq = tlv(0x30, [INT_0, tlv(0x30, [tlv(0xa5, [subject]), tlv(0xa6, [ALG_ED25519, keyBits])])])
    const pop = tlv(0xa1, [ALG_ED25519, derBits(await sign(certReq))])
    s.request = protect(p, s, tlv(0xa0, [tlv(0x30, [tlv(0x30, [certReq, pop])])]), null)
    return s
}

/** The CmpError of a PKIStatusInfo that neither accepts nor grants with modifications, else null. */
function statusError(b: Buffer, t: Tlv): CmpError | null {
    const c = children(b, t)
    const status = readSmallInt(b, at(c, 0, 0x02))
    if (status <= 1) return null
    let text = ""
    let fail = -1
    for (let i = 1; i < c.length; i++) {
        const f = c[i]
        if (f.tag === 0x30) {
            const strings = children(b, f)
            for (let j = 0; j < strings.length; j++) text += " " + utf8At(b, at(strings, j, 0x0c).body, strings[j].end - strings[j].body)
        } else if (f.tag === 0x03) {
            // failInfo: the first bit set, bit 0 being the most significant of the first content byte.
            for (let bit = (f.end - f.body - 1) * 8 - 1; bit >= 0; bit--) {
                if ((b[f.body + 1 + (bit >> 3)] & (0x80 >> (bit & 7))) !== 0) fail = bit
            }
        }
    }
    return new CmpError("CA refused: status " + status + ", failInfo " + fail + ":" + text, fail)
}

/** The content of header field [n] (explicitly tagged); for the octet strings, the OCTET STRING's. */
function headerField(b: Buffer, h: Tlv[], n: number, tag: number): Tlv {
    for (let i = 3; i < h.length; i++) {
        if (h[i].tag === 0xa0 + n) return inner(b, h[i], tag)
    }
    throw new FormatError("CMP: header field " + n + " missing")
}

/**
 * Takes the CA's answer to `s.request`. An ip: checks it, keeps the certificate and puts the
 * certConf in `s.request` (false: send it). A pkiConf: true, the enrolment is done. A CMP error,
 * a refusal inside the ip, or an answer that does not verify: CmpError; malformed DER: FormatError.
 */
export async function cmpReply(p: CmpPlatform, s: CmpSession, der: Buffer): Promise<boolean> {
    const m = children(der, readDer(der, 0x30))
    const h = children(der, at(m, 0, 0x30))
    const body = at(m, 1, -1)
    if (body.tag === 0xb7) {
        // error: its reason, whatever its protection; it can only end the enrolment.
        throw statusError(der, at(children(der, inner(der, body, 0x30)), 0, 0x30)) || new CmpError("CA sent an error", -1)
    }
    if (!constantTimeEqual(content(der, headerField(der, h, 4, 0x04)), s.tid)) throw new CmpError("answer for another transactionID", 2)
    if (!constantTimeEqual(content(der, headerField(der, h, 6, 0x04)), s.nonce)) throw new CmpError("recipNonce is not our senderNonce", 13)
    const caNonce = content(der, headerField(der, h, 5, 0x04))
    // Protection: PasswordBasedMac with our algorithms and iteration count, the CA's salt.
    if (m.length < 3) throw new CmpError("answer not MAC-protected", 1)
    const alg = children(der, headerField(der, h, 1, 0x30))
    const pbm = children(der, at(alg, 1, 0x30))
    if (!constantTimeEqual(whole(der, at(alg, 0, 0x06)), OID_PBM) || pbm.length !== 4 || !constantTimeEqual(copyOf(der, pbm[1].start, pbm[3].end), PBM_TAIL)) {
        throw new CmpError("answer protection is not our PasswordBasedMac", 0)
    }
    const bits = inner(der, at(m, 2, 0xa0), 0x03)
    const key = await pbmKey(p, s.secret, content(der, at(pbm, 0, 0x04)))
    const mac = p.hmacSha256(key, [tlv(0x30, [copyOf(der, m[0].start, body.end)])])
    if (der[bits.body] !== 0 || !constantTimeEqual(copyOf(der, bits.body + 1, bits.end), mac)) throw new CmpError("answer MAC does not verify under the secret", 1)

    if (s.certificate !== null) {
        if (!constantTimeEqual(whole(der, body), PKICONF)) throw new FormatError("CMP: expected pkiConf")
        return true
    }
    // ip: CertRepMessage { caPubs [1] OPTIONAL, response { CertResponse { certReqId 0, status, certifiedKeyPair { [0] certificate } } } }
    const rep = children(der, inner(der, at(m, 1, 0xa1), 0x30))
    const r = children(der, at(children(der, at(rep, rep.length - 1, 0x30)), 0, 0x30))
    if (!constantTimeEqual(whole(der, at(r, 0, 0x02)), INT_0)) throw new FormatError("CMP: not certReqId 0")
    const refused = statusError(der, at(r, 1, 0x30))
    if (refused !== null) throw refused
    const cert = whole(der, inner(der, at(children(der, at(r, 2, 0x30)), 0, 0xa0), 0x30))
    if (!constantTimeEqual(whole(cert, tbsFields(cert)[5]), s.spki)) throw new CmpError("certificate is not for our public key", 7)
    s.certificate = copyOf(cert)
    const certHash = await sha512Async([cert], p.yieldSlice)
    s.request = protect(p, s, tlv(0xb8, [tlv(0x30, [tlv(0x30, [tlv(0x04, [certHash]), INT_0])])]), caNonce)
    return false
}
