// A stapled OCSP response (RFC 6960) as the vending machine checks it offline. The CA answers
// itself (no delegated responder, 4.2.2.2): the BasicOCSPResponse must be signed with the CA's
// Ed25519 key, its responderID must name the CA (byName: the CA's Name DER; byKey: SHA-1 of its
// public key), and one SingleResponse must be for the card's certificate by a SHA-1 CertID
// (RFC 5019 2.1.1): issuerNameHash = SHA-1 of the CA's Name DER, issuerKeyHash = SHA-1 of the CA's
// public key (the BIT STRING's value, 4.1.1), serialNumber = the certificate's. How fresh it
// must be is the caller's policy; this gives the times.
//
// Malformed DER is a FormatError; a response that parses but is not a good answer from this CA
// about this certificate (another responseStatus than successful, another responder, a signature
// that does not verify, no SingleResponse for the certificate) is a BAD_STATUS refusal.

import { hex } from "../bytes"
import { at, children, content, inner, readDer, whole, type Tlv } from "../asn1/der"
import { FormatError } from "../format-error"
import { BAD_STATUS, refuseUnless, VendingRefusal } from "./vending-refusal"
import type { VendingCrypto } from "./vending-crypto"
import { ALG_ED25519, isExactly, readOctetBits, readSerial, readTime, sameBytes } from "./x509-card-certificate"

export const OCSP_GOOD = 0
export const OCSP_REVOKED = 1
export const OCSP_UNKNOWN = 2

/** id-pkix-ocsp-basic (1.3.6.1.5.5.7.48.1.1). */
const OID_OCSP_BASIC = hex`06092b0601050507300101`
/** AlgorithmIdentifier SHA-1, parameters NULL or absent (RFC 5754 2). */
const ALG_SHA1_NULL = hex`300906052b0e03021a0500`
const ALG_SHA1 = hex`300706052b0e03021a`

/** The machine's trust anchor: the CA's subject Name DER and its 32-byte Ed25519 public key. */
export interface CaTrust {
    caName: Buffer
    caPublicKey: Buffer
}

export interface OcspStatus {
    /** OCSP_GOOD, OCSP_REVOKED or OCSP_UNKNOWN. */
    status: number
    /** Seconds since 1970; nextUpdate -1 when absent. */
    producedAt: number
    thisUpdate: number
    nextUpdate: number
}

/** An OCTET STRING of 20 bytes (a SHA-1 hash). */
function hash20(b: Buffer, t: Tlv): Buffer {
    if (t.tag !== 0x04 || t.end - t.body !== 20) throw new FormatError("OCSP: hash is not 20 octets")
    return content(b, t)
}

/** A GeneralizedTime (OCSP's times are GeneralizedTime only). */
function generalized(b: Buffer, t: Tlv): number {
    if (t.tag !== 0x18) throw new FormatError("OCSP: time is not a GeneralizedTime")
    return readTime(b, t)
}

/**
 * The status of the certificate with serial content octets `serial` in the DER OCSPResponse `der`,
 * after checking it is the CA's answer about it.
 */
export async function verifyOcsp(der: Buffer, trust: CaTrust, serial: Buffer, crypto: VendingCrypto): Promise<OcspStatus> {
    const r = children(der, readDer(der, 0x30))
    const status = at(r, 0, 0x0a)
    if (status.end - status.body !== 1) throw new FormatError("OCSP: bad responseStatus")
    refuseUnless(der[status.body] === 0 && r.length === 2, BAD_STATUS, "OCSP responseStatus " + der[status.body])
    const rb = children(der, inner(der, at(r, 1, 0xa0), 0x30))
    if (rb.length !== 2) throw new FormatError("OCSP: bad ResponseBytes")
    refuseUnless(isExactly(der, at(rb, 0, 0x06), OID_OCSP_BASIC), BAD_STATUS, "not a basic OCSP response")
    const basic = children(der, inner(der, at(rb, 1, 0x04), 0x30))
    if (basic.length !== 3 && (basic.length !== 4 || basic[3].tag !== 0xa0)) throw new FormatError("OCSP: bad BasicOCSPResponse")
    const tbs = at(basic, 0, 0x30)
    if (!isExactly(der, at(basic, 1, 0x30), ALG_ED25519)) throw new FormatError("OCSP: signature algorithm is not Ed25519")
    const signature = readOctetBits(der, at(basic, 2, 0x03), 64)
    const data = children(der, tbs)
    if (data.length !== 3 && (data.length !== 4 || data[3].tag !== 0xa1)) throw new FormatError("OCSP: bad ResponseData (a version, or extra fields)")
    const responder = at(data, 0, -1)
    const producedAt = generalized(der, at(data, 1, -1))
    const responses = children(der, at(data, 2, 0x30))
    const keyHash = crypto.sha1([trust.caPublicKey])
    if (responder.tag === 0xa1) refuseUnless(sameBytes(whole(der, inner(der, responder, 0x30)), trust.caName), BAD_STATUS, "OCSP responder is not the CA")
    else if (responder.tag === 0xa2) refuseUnless(sameBytes(hash20(der, inner(der, responder, 0x04)), keyHash), BAD_STATUS, "OCSP responder key is not the CA's")
    else throw new FormatError("OCSP: bad responderID")
    refuseUnless(await crypto.ed25519Verify(trust.caPublicKey, whole(der, tbs), signature, crypto.yieldSlice), BAD_STATUS, "OCSP signature does not verify under the CA key")
    const nameHash = crypto.sha1([trust.caName])
    for (let i = 0; i < responses.length; i++) {
        const s = children(der, at(responses, i, 0x30))
        if (s.length < 3 || s.length > 5) throw new FormatError("OCSP: bad SingleResponse")
        const id = children(der, at(s, 0, 0x30))
        if (id.length !== 4) throw new FormatError("OCSP: bad CertID")
        const alg = at(id, 0, 0x30)
        const sha1 = isExactly(der, alg, ALG_SHA1_NULL) || isExactly(der, alg, ALG_SHA1)
        const names = hash20(der, at(id, 1, 0x04))
        const keys = hash20(der, at(id, 2, 0x04))
        const idSerial = readSerial(der, at(id, 3, 0x02))
        const cs = at(s, 1, -1)
        const thisUpdate = generalized(der, at(s, 2, -1))
        let nextUpdate = -1
        for (let k = 3; k < s.length; k++) {
            if (s[k].tag === 0xa0 && k === 3) nextUpdate = generalized(der, inner(der, s[k], -1))
            else if (s[k].tag !== 0xa1 || k !== s.length - 1) throw new FormatError("OCSP: bad SingleResponse field")
        }
        let state = OCSP_UNKNOWN
        if (cs.tag === 0x80 && cs.end === cs.body) state = OCSP_GOOD
        else if (cs.tag === 0xa1) {
            generalized(der, at(children(der, cs), 0, 0x18))
            state = OCSP_REVOKED
        } else if (cs.tag !== 0x82 || cs.end !== cs.body) throw new FormatError("OCSP: bad certStatus")
        if (sha1 && sameBytes(names, nameHash) && sameBytes(keys, keyHash) && sameBytes(idSerial, serial)) {
            return { status: state, producedAt: producedAt, thisUpdate: thisUpdate, nextUpdate: nextUpdate }
        }
    }
    throw new VendingRefusal(BAD_STATUS, "no OCSP SingleResponse for the certificate")
}
