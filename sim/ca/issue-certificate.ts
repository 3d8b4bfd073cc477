// X.509 v3 certificates (RFC 5280) signed by the CA's Ed25519 key (RFC 8410): the CA's own
// self-signed certificate, and a holder's certificate with the registered name as subject CN, the
// phone number as a tel: URI (RFC 3966) in subjectAltName, keyUsage digitalSignature (critical),
// a random positive 126-bit serial, key identifiers, and where to ask about its status: OCSP and
// the CA certificate in authorityInfoAccess, the CRL in cRLDistributionPoints.
// Built with the @peculiar/asn1-x509 schemas and signed with node:crypto.

import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import {
    AccessDescription,
    AlgorithmIdentifier,
    AttributeTypeAndValue,
    AttributeValue,
    AuthorityInfoAccessSyntax,
    AuthorityKeyIdentifier,
    BasicConstraints,
    Certificate,
    CRLDistributionPoints,
    DistributionPoint,
    DistributionPointName,
    Extension,
    Extensions,
    GeneralName,
    id_ad_caIssuers,
    id_ad_ocsp,
    id_ce_authorityKeyIdentifier,
    id_ce_basicConstraints,
    id_ce_cRLDistributionPoints,
    id_ce_keyUsage,
    id_ce_subjectAltName,
    id_ce_subjectKeyIdentifier,
    id_pe_authorityInfoAccess,
    KeyIdentifier,
    KeyUsage,
    KeyUsageFlags,
    Name,
    RelativeDistinguishedName,
    SubjectAlternativeName,
    SubjectKeyIdentifier,
    SubjectPublicKeyInfo,
    TBSCertificate,
    Validity,
    Version,
} from "@peculiar/asn1-x509"
import { arrayBuffer, bytes } from "./array-buffer"

export const id_Ed25519 = "1.3.101.112"
const id_commonName = "2.5.4.3"
const id_organizationName = "2.5.4.10"

/** A Name of UTF8String attributes, one per RDN, in order ([["2.5.4.3", "Alice"]]). */
export function nameOf(attributes: [string, string][]): Name {
    return new Name(attributes.map(([type, value]) => new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })])))
}

/** The CA's name. */
export const CA_NAME: [string, string][] = [
    [id_organizationName, "activecard"],
    [id_commonName, "activecard Demo CA"],
]

/**
 * A holder's name: the name registered at the desk as CN; for a payment card's certificate, the
 * card ID as the subject's serialNumber (X.520 2.5.4.5, a PrintableString), which the payment
 * server reads to find the card.
 */
export function holderName(name: string, cardId?: string): Name {
    const cn = nameOf([[id_commonName, name]])
    if (cardId === undefined) return cn
    if (!/^[A-Za-z0-9]{1,64}$/.test(cardId)) throw new Error("a card ID is 1 to 64 letters and digits")
    return new Name([...cn, new RelativeDistinguishedName([new AttributeTypeAndValue({ type: ID_SERIAL_NUMBER, value: new AttributeValue({ printableString: cardId }) })])])
}

/** X.520 serialNumber: an identifier of the subject, not the certificate's serial. */
export const ID_SERIAL_NUMBER = "2.5.4.5"

/** The key identifier of RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: SubjectPublicKeyInfo): Buffer {
    return createHash("sha1").update(bytes(spki.subjectPublicKey)).digest()
}

/** A random positive serial: 16 bytes, top bit clear and the next one set (no leading zero, never zero). */
export function randomSerial(): Buffer {
    const b = randomBytes(16)
    b[0] = (b[0] & 0x7f) | 0x40
    return b
}

function extension(extnID: string, critical: boolean, value: object): Extension {
    return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
}

function uri(u: string): GeneralName {
    return new GeneralName({ uniformResourceIdentifier: u })
}

/** The SubjectPublicKeyInfo of a node:crypto key. */
export function spkiOf(key: KeyObject): SubjectPublicKeyInfo {
    const pub = key.type === "private" ? createPublicKey(key) : key
    return AsnConvert.parse(pub.export({ type: "spki", format: "der" }), SubjectPublicKeyInfo)
}

/** Signs a TBSCertificate with the CA's Ed25519 key; returns the certificate's DER. */
export function signCertificate(tbs: TBSCertificate, caKey: KeyObject): Buffer {
    const signature = sign(null, bytes(AsnConvert.serialize(tbs)), caKey)
    const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }), signatureValue: arrayBuffer(signature) })
    return bytes(AsnConvert.serialize(cert))
}

/** The CA's self-signed certificate: CA:TRUE, keyCertSign and cRLSign, 20 years. */
export function selfSignedCaCertificate(caKey: KeyObject, now = new Date()): Buffer {
    const spki = spkiOf(caKey)
    const ski = keyIdentifier(spki)
    const name = nameOf(CA_NAME)
    const tbs = new TBSCertificate({
        version: Version.v3,
        serialNumber: arrayBuffer(randomSerial()),
        signature: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
        issuer: name,
        validity: new Validity({ notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 20 * 365 * 86_400_000) }),
        subject: name,
        subjectPublicKeyInfo: spki,
        extensions: new Extensions([
            extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
            extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
            extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)),
        ]),
    })
    return signCertificate(tbs, caKey)
}

export interface HolderCertificateRequest {
    name: string
    /** E.164, "+8210..." */
    phone: string
    publicKey: SubjectPublicKeyInfo
    /** Base URL of the CA's HTTP server, "http://127.0.0.1:8829" */
    baseUrl: string
    validityDays: number
    /** A payment card's ID, written as the subject's serialNumber. */
    cardId?: string
}

export interface CaIdentity {
    key: KeyObject
    certificate: Certificate
    der: Buffer
    keyId: Buffer
}

/** Issues a holder's certificate; returns its DER, serial (hex) and validity. */
export function issueHolderCertificate(ca: CaIdentity, req: HolderCertificateRequest, now = new Date()): { der: Buffer; serial: string; notBefore: Date; notAfter: Date } {
    const serial = randomSerial()
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000)
    const notAfter = new Date(notBefore.getTime() + req.validityDays * 86_400_000)
    const tbs = new TBSCertificate({
        version: Version.v3,
        serialNumber: arrayBuffer(serial),
        signature: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
        issuer: ca.certificate.tbsCertificate.subject,
        validity: new Validity({ notBefore, notAfter }),
        subject: holderName(req.name, req.cardId),
        subjectPublicKeyInfo: req.publicKey,
        extensions: new Extensions([
            extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
            extension(id_ce_subjectAltName, false, new SubjectAlternativeName([uri(`tel:${req.phone}`)])),
            extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(req.publicKey))),
            extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(ca.keyId) })),
            extension(
                id_pe_authorityInfoAccess,
                false,
                new AuthorityInfoAccessSyntax([
                    new AccessDescription({ accessMethod: id_ad_ocsp, accessLocation: uri(`${req.baseUrl}/ocsp`) }),
                    new AccessDescription({ accessMethod: id_ad_caIssuers, accessLocation: uri(`${req.baseUrl}/ca.cer`) }),
                ]),
            ),
            extension(id_ce_cRLDistributionPoints, false, new CRLDistributionPoints([new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri(`${req.baseUrl}/crl`)] }) })])),
        ]),
    })
    return { der: signCertificate(tbs, ca.key), serial: serial.toString("hex"), notBefore, notAfter }
}

/** PEM of a DER object ("CERTIFICATE", "X509 CRL"). */
export function pem(der: Buffer, label: string): string {
    const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}
