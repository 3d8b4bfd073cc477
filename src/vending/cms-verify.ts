// The card's CMS SignedData (RFC 5652 5) as the vending machine reads it: the one shape
// src/certificate/cms-signed-data.ts makes, plus the OCSP response the card staples in the
// SignedData's crls [1] field as RevocationInfoChoice other [1] { id-ri-ocsp-response, OCSPResponse }
// (RFC 5940 2.2):
//
// ContentInfo { id-signedData, [0] SignedData {
//     version 1, digestAlgorithms { sha512 }, encapContentInfo { id-data, [0] OCTET STRING },
//     certificates [0] { one certificate }, crls [1] { other [1] { ... } } OPTIONAL,
//     signerInfos { one SignerInfo { version 1, sid issuerAndSerialNumber, sha512,
//         signedAttrs [0] { contentType id-data, messageDigest, others (signingTime) },
//         id-Ed25519, signature } } } }
//
// parseCardCms only reads (FormatError for anything else); verifyCardCms checks the signer: the
// sid names the included certificate, contentType is id-data, messageDigest is SHA-512 of the
// content, and the Ed25519 signature over the signed attributes as a DER SET OF (RFC 5652 5.4:
// the [0] re-tagged 0x31) verifies under the certificate's key (RFC 8419 3.1).

import { copyOf, hex } from "../bytes"
import { at, children, content, inner, readDer, whole, type Tlv } from "../asn1/der"
import { FormatError } from "../format-error"
import { ALG_SHA512, INT_1, INT_5, OID_DATA, OID_MESSAGE_DIGEST, OID_RI_OCSP_RESPONSE, OID_SIGNED_DATA } from "../certificate/cms-signed-data"
import { BAD_SIGNATURE, refuseUnless } from "./vending-refusal"
import type { VendingCrypto } from "./vending-crypto"
import { ALG_ED25519, isExactly, sameBytes } from "./x509-card-certificate"

const OID_CONTENT_TYPE = hex`06092a864886f70d010903`

export interface CardCms {
    /** The encapsulated content (the signed history). */
    content: Buffer
    /** The one certificate's DER. */
    certificate: Buffer
    /** The sid's issuer Name DER and serial INTEGER DER. */
    sidIssuer: Buffer
    sidSerial: Buffer
    /** The signed attributes as the DER SET OF the signature covers. */
    signedAttrs: Buffer
    /** contentType's value (an OID's whole DER) and messageDigest's octets. */
    contentType: Buffer
    messageDigest: Buffer
    signature: Buffer
    /** The stapled OCSPResponse DER, or null. */
    ocsp: Buffer | null
}

/** The stapled OCSPResponse of crls [1], or null when it holds none. */
function stapledOcsp(b: Buffer, crls: Tlv): Buffer | null {
    const choices = children(b, crls)
    let found: Buffer | null = null
    for (let i = 0; i < choices.length; i++) {
        const c = choices[i]
        if (c.tag !== 0xa1) continue // a CertificateList: the machine keeps its own CRL
        const f = children(b, c)
        if (f.length !== 2) throw new FormatError("CMS: bad OtherRevocationInfoFormat")
        if (!isExactly(b, at(f, 0, 0x06), OID_RI_OCSP_RESPONSE)) continue
        if (found !== null) throw new FormatError("CMS: two OCSP responses")
        found = whole(b, at(f, 1, 0x30))
    }
    return found
}

/** The single value of an attribute (SEQUENCE { OID, SET { value } }). */
function attrValue(b: Buffer, attr: Tlv[]): Tlv {
    if (attr.length !== 2) throw new FormatError("CMS: bad attribute")
    const values = children(b, at(attr, 1, 0x31))
    if (values.length !== 1) throw new FormatError("CMS: attribute without exactly one value")
    return values[0]
}

/** The fields of the card's ContentInfo; FormatError when it is not that shape. */
export function parseCardCms(der: Buffer): CardCms {
    const ci = children(der, readDer(der, 0x30))
    if (ci.length !== 2 || !isExactly(der, at(ci, 0, 0x06), OID_SIGNED_DATA)) throw new FormatError("CMS: not SignedData")
    const sd = children(der, inner(der, at(ci, 1, 0xa0), 0x30))
    if (sd.length !== 5 && sd.length !== 6) throw new FormatError("CMS: SignedData fields")
    // Version 5 with a staple: a RevocationInfoChoice `other` is present (RFC 5652 5.1).
    if (!isExactly(der, at(sd, 0, 0x02), sd.length === 6 ? INT_5 : INT_1)) throw new FormatError("CMS: SignedData version is not 1 (5 with a staple)")
    const digests = children(der, at(sd, 1, 0x31))
    if (digests.length !== 1 || !isExactly(der, digests[0], ALG_SHA512)) throw new FormatError("CMS: digest algorithm is not sha512")
    const eci = children(der, at(sd, 2, 0x30))
    if (eci.length !== 2 || !isExactly(der, at(eci, 0, 0x06), OID_DATA)) throw new FormatError("CMS: content is not id-data")
    const econtent = inner(der, at(eci, 1, 0xa0), 0x04)
    const certs = children(der, at(sd, 3, 0xa0))
    if (certs.length !== 1) throw new FormatError("CMS: not exactly one certificate")
    const ocsp = sd.length === 6 ? stapledOcsp(der, at(sd, 4, 0xa1)) : null
    const infos = children(der, at(sd, sd.length - 1, 0x31))
    if (infos.length !== 1) throw new FormatError("CMS: not exactly one SignerInfo")
    const si = children(der, at(infos, 0, 0x30))
    if (si.length !== 6) throw new FormatError("CMS: SignerInfo fields")
    if (!isExactly(der, at(si, 0, 0x02), INT_1)) throw new FormatError("CMS: sid is not issuerAndSerialNumber")
    const sid = children(der, at(si, 1, 0x30))
    if (sid.length !== 2) throw new FormatError("CMS: bad issuerAndSerialNumber")
    if (!isExactly(der, at(si, 2, 0x30), ALG_SHA512)) throw new FormatError("CMS: signer digest is not sha512")
    const attrsT = at(si, 3, 0xa0)
    if (!isExactly(der, at(si, 4, 0x30), ALG_ED25519)) throw new FormatError("CMS: signature algorithm is not Ed25519")
    const sigT = at(si, 5, 0x04)
    if (sigT.end - sigT.body !== 64) throw new FormatError("CMS: signature is not 64 bytes")
    let contentType: Buffer | null = null
    let messageDigest: Buffer | null = null
    const attrs = children(der, attrsT)
    for (let i = 0; i < attrs.length; i++) {
        const a = children(der, at(attrs, i, 0x30))
        const oid = at(a, 0, 0x06)
        if (isExactly(der, oid, OID_CONTENT_TYPE)) {
            if (contentType !== null) throw new FormatError("CMS: two contentType attributes")
            contentType = whole(der, at([attrValue(der, a)], 0, 0x06))
        } else if (isExactly(der, oid, OID_MESSAGE_DIGEST)) {
            if (messageDigest !== null) throw new FormatError("CMS: two messageDigest attributes")
            messageDigest = content(der, at([attrValue(der, a)], 0, 0x04))
        }
    }
    if (contentType === null || messageDigest === null) throw new FormatError("CMS: contentType or messageDigest missing")
    // The SET OF the signature covers: the [0]'s content under the SET tag.
    const signedAttrs = copyOf(der, attrsT.start, attrsT.end)
    signedAttrs[0] = 0x31
    return {
        content: content(der, econtent),
        certificate: whole(der, at(certs, 0, 0x30)),
        sidIssuer: whole(der, at(sid, 0, 0x30)),
        sidSerial: whole(der, at(sid, 1, 0x02)),
        signedAttrs: signedAttrs,
        contentType: contentType,
        messageDigest: messageDigest,
        signature: content(der, sigT),
        ocsp: ocsp,
    }
}

/**
 * Checks the signer of `cms` against its parsed certificate (`publicKey`, `issuer`, `serial`
 * content octets): BAD_SIGNATURE when the sid names another certificate, the content type is not
 * id-data, the message digest or the signature does not verify.
 */
export async function verifyCardCms(cms: CardCms, issuer: Buffer, serial: Buffer, publicKey: Buffer, crypto: VendingCrypto): Promise<void> {
    const sid = readDer(cms.sidSerial, 0x02)
    refuseUnless(sameBytes(cms.sidIssuer, issuer) && sameBytes(content(cms.sidSerial, sid), serial), BAD_SIGNATURE, "the signer is not the included certificate")
    refuseUnless(sameBytes(cms.contentType, OID_DATA), BAD_SIGNATURE, "contentType is not id-data")
    const digest = await crypto.sha512([cms.content], crypto.yieldSlice)
    refuseUnless(sameBytes(digest, cms.messageDigest), BAD_SIGNATURE, "messageDigest is not SHA-512 of the content")
    refuseUnless(await crypto.ed25519Verify(publicKey, cms.signedAttrs, cms.signature, crypto.yieldSlice), BAD_SIGNATURE, "the signature over the signed attributes does not verify")
}
