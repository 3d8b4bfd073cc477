// A "software card": CMS SignedData (RFC 5652) over some content with an Ed25519 key and SHA-512
// signed attributes (RFC 8419), built from @peculiar/asn1-cms schemas and node:crypto, independent
// of the card's own encoder so that each can cross-check the other. Options let a test build the
// bad signatures a verifier must refuse.

import { createHash, sign, type KeyObject } from "node:crypto"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate } from "@peculiar/asn1-x509"
import { Attribute, CertificateChoices, CertificateSet, ContentInfo, EncapsulatedContent, EncapsulatedContentInfo, id_data, id_signedData, IssuerAndSerialNumber, SignedData, SignerIdentifier, SignerInfo, SignerInfos, DigestAlgorithmIdentifiers, CMSVersion } from "@peculiar/asn1-cms"
import { arrayBuffer, bytes } from "../../sim/ca/array-buffer"

const id_Ed25519 = "1.3.101.112"
const id_sha512 = "2.16.840.1.101.3.4.2.3"
const id_contentType = "1.2.840.113549.1.9.3"
const id_messageDigest = "1.2.840.113549.1.9.4"

export interface CmsOptions {
    /** The content encapsulated, when it should differ from the content signed. */
    encapsulated?: Buffer
    /** The content whose digest goes into messageDigest, when it should differ. */
    digested?: Buffer
    /** Certificates carried besides the signer's. */
    extraCertificates?: Buffer[]
    /** Leave the signer's certificate out. */
    omitCertificate?: boolean
    /** Flip a bit of the signature. */
    corruptSignature?: boolean
}

/** DER header (tag, definite length) for `length` bytes of content. */
function header(tag: number, length: number): Buffer {
    if (length < 0x80) return Buffer.from([tag, length])
    const n = Buffer.alloc(4)
    n.writeUInt32BE(length)
    const len = n.subarray(n.findIndex((b) => b !== 0))
    return Buffer.concat([Buffer.from([tag, 0x80 | len.length]), len])
}

/** The DER of a CMS ContentInfo holding a SignedData over `content` by `key`, whose certificate is `certDer`. */
export function signCms(content: Buffer, certDer: Buffer, key: KeyObject, o: CmsOptions = {}): Buffer {
    const cert = AsnConvert.parse(certDer, Certificate)
    const attributes = [
        new Attribute({ attrType: id_contentType, attrValues: [arrayBuffer(Buffer.from("06092a864886f70d010701", "hex"))] }),
        new Attribute({ attrType: id_messageDigest, attrValues: [AsnConvert.serialize(new OctetString(createHash("sha512").update(o.digested ?? content).digest()))] }),
    ]
    // SET OF in DER: the encodings in ascending order (X.690 11.6).
    const encoded = attributes.map((a) => ({ a, der: bytes(AsnConvert.serialize(a)) })).sort((x, y) => Buffer.compare(x.der, y.der))
    const body = Buffer.concat(encoded.map((e) => e.der))
    const signature = sign(null, Buffer.concat([header(0x31, body.length), body]), key)
    if (o.corruptSignature) signature[5] ^= 0x01
    const signer = new SignerInfo({
        version: CMSVersion.v1,
        sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }) }),
        digestAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha512 }),
        signedAttrs: encoded.map((e) => e.a),
        signatureAlgorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
        signature: new OctetString(signature),
    })
    const certs = [...(o.omitCertificate ? [] : [certDer]), ...(o.extraCertificates ?? [])]
    const signed = new SignedData({
        version: CMSVersion.v1,
        digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: id_sha512 })]),
        encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data, eContent: new EncapsulatedContent({ single: new OctetString(o.encapsulated ?? content) }) }),
        certificates: certs.length === 0 ? undefined : new CertificateSet(certs.map((d) => new CertificateChoices({ certificate: AsnConvert.parse(d, Certificate) }))),
        signerInfos: new SignerInfos([signer]),
    })
    return bytes(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signed) })))
}
