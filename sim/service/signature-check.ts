// The service provider's check of a card's signature over a transaction history: CMS SignedData
// (RFC 5652) with Ed25519 and SHA-512 signed attributes (RFC 8419), by a certificate of the
// trusted CA (RFC 5280), whose status the CA confirms over OCSP (RFC 6960) at the time of the check.
//
// The answer is one of three: valid (who signed), refused (a definite reason: the transfer is not
// performed and never will be on this signature), or unknown (the status could not be learned:
// the CA is unreachable or its answer does not hold; the card may post again). A body that is not
// a CMS SignedData at all throws MalformedSignature.

import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto"
import { readFileSync } from "node:fs"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, Extension, GeneralName, id_ce_keyUsage, id_ce_subjectAltName, id_pe_authorityInfoAccess, AuthorityInfoAccessSyntax, id_ad_ocsp, KeyUsage, KeyUsageFlags, SubjectAlternativeName } from "@peculiar/asn1-x509"
import { ContentInfo, id_data, id_signedData, SignedData, type SignerInfo } from "@peculiar/asn1-cms"
import { BasicOCSPResponse, CertID, id_pkix_ocsp_basic, id_pkix_ocsp_nonce, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest } from "@peculiar/asn1-ocsp"
import { arrayBuffer, bytes } from "../ca/array-buffer"
import { CRL_REASON } from "../ca/ca-store"

export const id_Ed25519 = "1.3.101.112"
export const id_sha512 = "2.16.840.1.101.3.4.2.3"
const id_sha1 = "1.3.14.3.2.26"
const id_contentType = "1.2.840.113549.1.9.3"
const id_messageDigest = "1.2.840.113549.1.9.4"
const id_commonName = "2.5.4.3"

/** The DER of the OBJECT IDENTIFIER id-data, the content-type attribute's one value. */
const ID_DATA_DER = Buffer.from("06092a864886f70d010701", "hex")

/** How far the CA's clock may be ahead of ours for an OCSP thisUpdate. */
const CLOCK_SKEW_MS = 5 * 60 * 1000

export type Verdict = { kind: "valid"; subject: string; serial: string } | { kind: "refused"; reason: string; subject?: string; serial?: string } | { kind: "unknown"; reason: string; subject?: string; serial?: string }

/** The body is not a CMS SignedData (the HTTP answer is 400). */
export class MalformedSignature extends Error {}

export interface Trust {
    /** The trusted CA's certificate. */
    ca: Certificate
    /** Where to ask for status; default: the certificate's AIA OCSP URL. */
    ocspUrl?: string
    ocspTimeoutMs: number
    now: () => Date
}

/** The CA certificate in a file (PEM or DER) or at an http(s) URL (DER or PEM). */
export async function loadCaCertificate(where: string): Promise<Certificate> {
    let raw: Buffer
    if (/^https?:\/\//.test(where)) {
        const res = await fetch(where, { signal: AbortSignal.timeout(10_000) })
        if (!res.ok) throw new Error(`CA certificate at ${where}: HTTP ${res.status}`)
        raw = Buffer.from(await res.arrayBuffer())
    } else raw = readFileSync(where)
    const text = raw.toString("latin1")
    const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text)
    const der = m === null ? raw : Buffer.from(m[1].replace(/\s+/g, ""), "base64")
    try {
        return AsnConvert.parse(der, Certificate)
    } catch {
        throw new Error(`${where} is not an X.509 certificate`)
    }
}

function publicKeyOf(cert: Certificate): KeyObject {
    return createPublicKey({ key: bytes(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo)), format: "der", type: "spki" })
}

function der(value: object): Buffer {
    return bytes(AsnConvert.serialize(value))
}

/** A DER tag and definite length for `length` content bytes. */
function derHeader(tag: number, length: number): Buffer {
    if (length < 0x80) return Buffer.from([tag, length])
    const n = Buffer.alloc(4)
    n.writeUInt32BE(length)
    const len = n.subarray(n.findIndex((b) => b !== 0))
    return Buffer.concat([Buffer.from([tag, 0x80 | len.length]), len])
}

/** The subject's common name, or "" when it has none. */
export function commonName(cert: Certificate): string {
    for (const rdn of cert.tbsCertificate.subject) for (const a of rdn) if (a.type === id_commonName) return a.value.toString()
    return ""
}

/** The serial in lower-case hex without leading zeros (as the CA stores and revokes it). */
export function serialHex(cert: Certificate): string {
    return bytes(cert.tbsCertificate.serialNumber).toString("hex").replace(/^0+(?=.)/, "")
}

function extension(cert: Certificate, oid: string): Extension | undefined {
    return cert.tbsCertificate.extensions?.find((e) => e.extnID === oid)
}

/** Checks a CMS SignedData `cms` over `history` by the holder of `phone`. */
export async function checkSignature(cms: Buffer, history: Buffer, phone: string, trust: Trust): Promise<Verdict> {
    let signed: SignedData
    try {
        const info = AsnConvert.parse(cms, ContentInfo)
        if (info.contentType !== id_signedData) throw new Error("not SignedData")
        signed = AsnConvert.parse(info.content, SignedData)
    } catch (e) {
        throw new MalformedSignature(`not a CMS SignedData (${(e as Error).message.split("\n")[0]})`)
    }
    if (signed.signerInfos.length !== 1) return { kind: "refused", reason: "bad signature: exactly one signer expected" }
    const signer = signed.signerInfos[0]
    const cert = signerCertificate(signed, signer)
    if (cert === undefined) return { kind: "refused", reason: "wrong signer: the signer's certificate is not in the signature" }
    const who = { subject: commonName(cert), serial: serialHex(cert) }
    const refused = (reason: string): Verdict => ({ kind: "refused", reason, ...who })

    // The content: exactly the history the service stored, digested into the signed attributes.
    const e = signed.encapContentInfo
    if (e.eContentType !== id_data || e.eContent?.single === undefined) return refused("tampered history: no encapsulated id-data content")
    if (!bytes(e.eContent.single.buffer).equals(history)) return refused("tampered history: the signed text is not the transaction's")
    if (signer.digestAlgorithm.algorithm !== id_sha512 || signer.signatureAlgorithm.algorithm !== id_Ed25519) return refused("bad signature: Ed25519 with SHA-512 expected")
    const attrs = signer.signedAttrs ?? []
    const attr = (oid: string) => attrs.filter((a) => a.attrType === oid)
    const contentType = attr(id_contentType)
    const digest = attr(id_messageDigest)
    if (contentType.length !== 1 || contentType[0].attrValues.length !== 1 || !bytes(contentType[0].attrValues[0]).equals(ID_DATA_DER)) return refused("bad signature: content-type attribute missing or not id-data")
    if (digest.length !== 1 || digest[0].attrValues.length !== 1 || !bytes(digest[0].attrValues[0]).equals(der(new OctetString(createHash("sha512").update(history).digest())))) return refused("tampered history: message digest does not match")

    // The signature over the DER of the signed attributes as a SET OF (5.4): the attributes as
    // received, in their order, each re-encoded in DER (a signer that sent BER fails here).
    const body = Buffer.concat(attrs.map((a) => der(a)))
    const signedBytes = Buffer.concat([derHeader(0x31, body.length), body])
    let key: KeyObject
    try {
        key = publicKeyOf(cert)
    } catch {
        return refused("bad signature: the certificate's key is not usable")
    }
    if (key.asymmetricKeyType !== "ed25519" || !verify(null, signedBytes, key, bytes(signer.signature.buffer))) return refused("bad signature")

    // The certificate: issued by the trusted CA, in its validity, for signatures, for this holder.
    const ca = trust.ca
    const issuedByCa = der(cert.tbsCertificate.issuer).equals(der(ca.tbsCertificate.subject)) && cert.signatureAlgorithm.algorithm === id_Ed25519 && verify(null, der(cert.tbsCertificate), publicKeyOf(ca), bytes(cert.signatureValue))
    if (!issuedByCa) return refused("wrong signer: the certificate is not issued by the trusted CA")
    const now = trust.now().getTime()
    if (now < cert.tbsCertificate.validity.notBefore.getTime().getTime()) return refused("certificate not yet valid")
    if (now > cert.tbsCertificate.validity.notAfter.getTime().getTime()) return refused("certificate expired")
    const ku = extension(cert, id_ce_keyUsage)
    if (ku === undefined || (AsnConvert.parse(ku.extnValue.buffer, KeyUsage).toNumber() & KeyUsageFlags.digitalSignature) === 0) return refused("wrong signer: the certificate is not for signatures")
    const san = extension(cert, id_ce_subjectAltName)
    const tels = san === undefined ? [] : AsnConvert.parse(san.extnValue.buffer, SubjectAlternativeName).map((g: GeneralName) => g.uniformResourceIdentifier).filter((u): u is string => u?.startsWith("tel:") === true)
    if (!tels.includes(`tel:${phone}`)) return refused(`wrong signer: the certificate is for ${tels[0] ?? "no phone number"}, not tel:${phone}`)

    // Its status now, from the CA.
    const status = await ocspStatus(cert, trust)
    if (status.kind === "good") return { kind: "valid", ...who }
    if (status.kind === "revoked") return refused(`certificate revoked${status.reason ? ` (${status.reason})` : ""}`)
    if (status.kind === "unknown-to-ca") return refused("certificate unknown to the CA")
    return { kind: "unknown", reason: `status unknown: ${status.why} (try again)`, ...who }
}

/** The certificate that `signer` names, among those the SignedData carries. */
function signerCertificate(signed: SignedData, signer: SignerInfo): Certificate | undefined {
    const certs = (signed.certificates ?? []).map((c) => c.certificate).filter((c): c is Certificate => c !== undefined)
    const ias = signer.sid.issuerAndSerialNumber
    const ski = signer.sid.subjectKeyIdentifier
    return certs.find((c) => {
        if (ias !== undefined) return der(ias.issuer).equals(der(c.tbsCertificate.issuer)) && bytes(ias.serialNumber).equals(bytes(c.tbsCertificate.serialNumber))
        if (ski !== undefined) return createHash("sha1").update(bytes(c.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest().equals(bytes(ski.buffer))
        return false
    })
}

type Status = { kind: "good" } | { kind: "revoked"; reason?: string } | { kind: "unknown-to-ca" } | { kind: "failed"; why: string }

/** The OCSP URL in the certificate's authorityInfoAccess. */
function aiaOcspUrl(cert: Certificate): string | undefined {
    const aia = extension(cert, id_pe_authorityInfoAccess)
    if (aia === undefined) return undefined
    return AsnConvert.parse(aia.extnValue.buffer, AuthorityInfoAccessSyntax).find((d) => d.accessMethod === id_ad_ocsp)?.accessLocation.uniformResourceIdentifier
}

const REASON_NAMES = Object.fromEntries(Object.entries(CRL_REASON).map(([name, n]) => [n, name]))

/** Asks the CA about `cert`: a fresh, nonce-bound answer signed by the CA key, or why there is none. */
async function ocspStatus(cert: Certificate, trust: Trust): Promise<Status> {
    const url = trust.ocspUrl ?? aiaOcspUrl(cert)
    if (url === undefined) return { kind: "failed", why: "no OCSP responder known" }
    const ca = trust.ca
    const sha1 = (b: Buffer) => new OctetString(createHash("sha1").update(b).digest())
    const certId = new CertID({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha1 }), issuerNameHash: sha1(der(ca.tbsCertificate.subject)), issuerKeyHash: sha1(bytes(ca.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)), serialNumber: cert.tbsCertificate.serialNumber })
    const nonce = der(new OctetString(randomBytes(16)))
    const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })], requestExtensions: [new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue: new OctetString(arrayBuffer(nonce)) })] }) })
    let body: Buffer
    try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: der(request), signal: AbortSignal.timeout(trust.ocspTimeoutMs) })
        if (!res.ok) return { kind: "failed", why: `the CA answered HTTP ${res.status}` }
        body = Buffer.from(await res.arrayBuffer())
    } catch {
        return { kind: "failed", why: "the CA is unreachable" }
    }
    let basic: BasicOCSPResponse
    try {
        const response = AsnConvert.parse(body, OCSPResponse)
        if (response.responseStatus !== OCSPResponseStatus.successful) return { kind: "failed", why: `the CA's OCSP status is ${OCSPResponseStatus[response.responseStatus]}` }
        if (response.responseBytes?.responseType !== id_pkix_ocsp_basic) return { kind: "failed", why: "the CA's OCSP answer is not basic" }
        basic = AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse)
    } catch {
        return { kind: "failed", why: "the CA's OCSP answer does not parse" }
    }
    const data = basic.tbsResponseData
    if (basic.signatureAlgorithm.algorithm !== id_Ed25519 || !verify(null, der(data), publicKeyOf(ca), bytes(basic.signature))) return { kind: "failed", why: "the OCSP answer is not signed by the CA" }
    const echoed = data.responseExtensions?.find((x) => x.extnID === id_pkix_ocsp_nonce)
    if (echoed === undefined || !bytes(echoed.extnValue.buffer).equals(nonce)) return { kind: "failed", why: "the OCSP answer does not carry our nonce" }
    const single = data.responses.find((r) => der(r.certID).equals(der(certId)))
    if (single === undefined) return { kind: "failed", why: "the OCSP answer is not about this certificate" }
    const now = trust.now().getTime()
    if (single.thisUpdate.getTime() > now + CLOCK_SKEW_MS) return { kind: "failed", why: "the OCSP answer is from the future" }
    if (single.nextUpdate !== undefined ? single.nextUpdate.getTime() < now : single.thisUpdate.getTime() < now - CLOCK_SKEW_MS) return { kind: "failed", why: "the OCSP answer is stale" }
    if (single.certStatus.good !== undefined) return { kind: "good" }
    if (single.certStatus.revoked !== undefined) {
        const r = single.certStatus.revoked.revocationReason?.reason
        return { kind: "revoked", reason: r === undefined ? undefined : REASON_NAMES[r] }
    }
    return { kind: "unknown-to-ca" }
}
