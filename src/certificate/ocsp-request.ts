// The card's own certificate status (OCSP, RFC 6960), fetched while the card is online and stapled
// to the signatures it makes (RFC 5940), so that a verifier without a network link (a vending
// machine) can check revocation. The request is the RFC 5019 lightweight profile: one CertID with
// SHA-1, no nonce, no signature:
//
// OCSPRequest { TBSRequest { requestList { Request { CertID {
//     hashAlgorithm sha1, issuerNameHash SHA-1(issuer Name DER), issuerKeyHash, serialNumber } } } } }
//
// Everything comes from the card's certificate alone: the issuer Name DER copied from its TBS, and
// for issuerKeyHash (SHA-1 of the CA's subjectPublicKey bits) its authorityKeyIdentifier, which
// the CA computes that way (RFC 5280 4.2.1.2, method 1). The card reads the extension only in the
// shape its CA writes (not critical, keyIdentifier of 20 bytes alone), and makes no request for a
// certificate without it. The answer is kept only when it is one DER OCSPResponse with
// responseStatus successful; the card does not verify it (it cannot act on it): verifiers do.

import { fromHex, hex, toHex } from "../bytes"
import { at, children, readDer, tbsFields, tlv, whole } from "../asn1/der"
import { sha1 } from "../crypto/sha1"
import { FormatError } from "../format-error"

/** AlgorithmIdentifier { id-sha1, NULL }. */
const ALG_SHA1 = hex`300906052b0e03021a0500`
/** The extension authorityKeyIdentifier, not critical, up to its keyIdentifier [0] of 20 bytes. */
const AKI_KEY_ID = "0603551d230418301680" + "14"

/** The DER OCSPRequest for `cert` (an X.509 certificate DER); FormatError when it has no key identifier of its issuer. */
export function ocspRequest(cert: Buffer): Buffer {
    const f = tbsFields(cert)
    const h = toHex(cert)
    const i = h.indexOf(AKI_KEY_ID) + AKI_KEY_ID.length
    if (i < AKI_KEY_ID.length || (i & 1) !== 0) throw new FormatError("certificate without an authority key identifier")
    let d = tlv(0x30, [ALG_SHA1, tlv(0x04, [sha1(whole(cert, f[2]))]), fromHex("0414" + h.slice(i, i + 40)), whole(cert, f[0])])
    // Request, requestList, TBSRequest, OCSPRequest.
    for (let k = 0; k < 4; k++) d = tlv(0x30, [d])
    return d
}

/** Refuses (FormatError) anything but one DER OCSPResponse { responseStatus successful (0), responseBytes [0] }. */
export function checkOcspResponse(b: Buffer): void {
    const c = children(b, readDer(b, 0x30))
    at(c, 1, 0xa0)
    if (toHex(whole(b, at(c, 0, 0x0a))) !== "0a0100") throw new FormatError("OCSP response not successful")
}
