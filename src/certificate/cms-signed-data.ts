// The card's signature on a transaction history: CMS SignedData (RFC 5652) with an Ed25519 signer
// (RFC 8419), in the one shape the card makes, so that stock tools (openssl cms -verify) check it
// with the CA certificate alone:
//
// ContentInfo { id-signedData, [0] SignedData {
//     version 1 (5 with a staple), digestAlgorithms { sha512 },
//     encapContentInfo { id-data, [0] OCTET STRING <the history bytes> },
//     certificates [0] { <the card's certificate> },
//     crls [1] { other [1] { id-ri-ocsp-response, <OCSPResponse DER> } }   (only with a staple),
//     signerInfos { SignerInfo {
//         version 1, sid issuerAndSerialNumber (copied from the certificate), digestAlgorithm sha512,
//         signedAttrs [0] { contentType id-data, signingTime, messageDigest SHA-512(content) },
//         signatureAlgorithm id-Ed25519, signature Ed25519 over the DER SET OF signedAttrs } } } }
//
// RFC 8419 3.1: with signed attributes the digest algorithm is SHA-512 (parameters absent) and the
// signature is pure Ed25519 over the attributes. The three attributes always encode in this order
// (30 18, 30 1c or 30 1e, 30 4f), which is the DER order of a SET OF (X.690 11.6). signingTime is
// a UTCTime for 1950..2049 and a GeneralizedTime otherwise (RFC 5652 11.3). Signing is
// deterministic, so the same inputs always give the same bytes.
//
// A stapled OCSP response for the card's certificate (src/certificate/ocsp-request.ts) travels as
// the RevocationInfoChoice `other` with id-ri-ocsp-response (RFC 5940 2.1), so that a verifier
// offline has the certificate's status. RFC 5652 5.1: with `other` revocation information present
// the SignedData version is 5 (the SignerInfo stays version 1: issuerAndSerialNumber).

import { hex } from "../bytes"
import { tbsFields, tlv, whole } from "../asn1/der"
import { sha512Async } from "../crypto/sha512"
import type { Signer } from "./cmp-client"

export const OID_SIGNED_DATA = hex`06092a864886f70d010702`
export const OID_DATA = hex`06092a864886f70d010701`
export const ALG_SHA512 = hex`300b0609608648016503040203`
const ALG_ED25519_CMS = hex`300506032b6570`
export const INT_1 = hex`020101`
export const INT_5 = hex`020105`
/** id-ri-ocsp-response (1.3.6.1.5.5.7.16.2). */
export const OID_RI_OCSP_RESPONSE = hex`06082b06010505071002`
/** Attribute contentType { id-data }. */
const ATTR_CONTENT_TYPE = hex`301806092a864886f70d010903310b06092a864886f70d010701`
const OID_SIGNING_TIME = hex`06092a864886f70d010905`
export const OID_MESSAGE_DIGEST = hex`06092a864886f70d010904`

/**
 * The DER ContentInfo signing `content` (encapsulated) by the key of `certificate` through `sign`,
 * at `signingTime` (its DER Time: derTime or derIsoTime), with `ocsp` (an OCSPResponse DER) stapled
 * when not null.
 */
export async function cmsSignedData(content: Buffer, certificate: Buffer, signingTime: Buffer, sign: Signer, yieldSlice: () => Promise<void>, ocsp: Buffer | null = null): Promise<Buffer> {
    const f = tbsFields(certificate)
    const digest = await sha512Async([content], yieldSlice)
    const attrs = [
        ATTR_CONTENT_TYPE,
        tlv(0x30, [OID_SIGNING_TIME, tlv(0x31, [signingTime])]),
        tlv(0x30, [OID_MESSAGE_DIGEST, tlv(0x31, [tlv(0x04, [digest])])]),
    ]
    const signerInfo = tlv(0x30, [
        INT_1,
        tlv(0x30, [whole(certificate, f[2]), whole(certificate, f[0])]),
        ALG_SHA512,
        tlv(0xa0, attrs),
        ALG_ED25519_CMS,
        tlv(0x04, [await sign(tlv(0x31, attrs))]),
    ])
    const fields = [ocsp === null ? INT_1 : INT_5, tlv(0x31, [ALG_SHA512]), tlv(0x30, [OID_DATA, tlv(0xa0, [tlv(0x04, [content])])]), tlv(0xa0, [certificate])]
    if (ocsp !== null) fields.push(tlv(0xa1, [tlv(0xa1, [OID_RI_OCSP_RESPONSE, ocsp])]))
    fields.push(tlv(0x31, [signerInfo]))
    const signedData = tlv(0x30, fields)
    return tlv(0x30, [OID_SIGNED_DATA, tlv(0xa0, [signedData])])
}
