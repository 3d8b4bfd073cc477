// The OCSP responder (RFC 6960): the CA answers for the certificates it issued, signing each
// BasicOCSPResponse with its own Ed25519 key (the CA is the responder: no delegated certificate
// is needed, 4.2.2.2). good: issued and confirmed; revoked: with time and reason; unknown: a
// certificate of another issuer, one this CA never issued, or one whose enrolment was not
// confirmed. The request's nonce (4.4.1) is echoed. A request that does not parse gets
// malformedRequest; nothing here throws.

import { createHash, sign } from "node:crypto"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, CRLReason, Extension } from "@peculiar/asn1-x509"
import {
    BasicOCSPResponse,
    CertID,
    CertStatus,
    id_pkix_ocsp_basic,
    id_pkix_ocsp_nonce,
    KeyHash,
    OCSPRequest,
    OCSPResponse,
    OCSPResponseStatus,
    ResponderID,
    ResponseBytes,
    ResponseData,
    RevokedInfo,
    SingleResponse,
} from "@peculiar/asn1-ocsp"
import { arrayBuffer, bytes } from "./array-buffer"
import { normaliseSerial, type CaStore } from "./ca-store"
import { id_Ed25519, type CaIdentity } from "./issue-certificate"

/** Hashes a CertID may use: SHA-1 (what most clients send) and SHA-2. */
const CERT_ID_HASHES: Record<string, string> = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

/** How long a response may be cached (nextUpdate). */
export const OCSP_VALIDITY_MS = 60 * 60 * 1000
/** At most this many certificates per request. */
const MAX_REQUESTS = 16

export class OcspResponder {
    constructor(
        private readonly store: CaStore,
        private readonly ca: CaIdentity,
        private readonly log: (line: string) => void,
        private readonly now: () => Date = () => new Date(),
    ) {}

    /** The DER OCSPResponse for a DER OCSPRequest. */
    handle(der: Buffer): Buffer {
        let request: OCSPRequest
        try {
            request = AsnConvert.parse(der, OCSPRequest)
            if (!bytes(AsnConvert.serialize(request)).equals(der)) throw new Error("not DER")
            if (request.tbsRequest.requestList.length === 0 || request.tbsRequest.requestList.length > MAX_REQUESTS) throw new Error("request count")
        } catch {
            this.log(`OCSP: malformed request (${der.length} bytes)`)
            return status(OCSPResponseStatus.malformedRequest)
        }
        try {
            return this.respond(request)
        } catch (e) {
            this.log(`OCSP: internal error: ${(e as Error)?.message ?? String(e)}`)
            return status(OCSPResponseStatus.internalError)
        }
    }

    private respond(request: OCSPRequest): Buffer {
        const now = this.now()
        const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000)
        const responses = request.tbsRequest.requestList.map((r) => new SingleResponse({ certID: r.reqCert, certStatus: this.statusOf(r.reqCert), thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + OCSP_VALIDITY_MS) }))
        const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce)
        const data = new ResponseData({
            responderID: new ResponderID({ byKey: new KeyHash(this.keyHash("sha1")) }),
            producedAt: thisUpdate,
            responses,
            responseExtensions: nonce === undefined ? undefined : [new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue: nonce.extnValue })],
        })
        const signature = sign(null, bytes(AsnConvert.serialize(data)), this.ca.key)
        const basic = new BasicOCSPResponse({ tbsResponseData: data, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }), signature: arrayBuffer(signature) })
        const states = responses.map((r) => (r.certStatus.good !== undefined ? "good" : r.certStatus.revoked !== undefined ? "revoked" : "unknown"))
        this.log(`OCSP: ${request.tbsRequest.requestList.map((r, i) => `${bytes(r.reqCert.serialNumber).toString("hex")} ${states[i]}`).join(", ")}`)
        return bytes(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus.successful, responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }) })))
    }

    /** The hash of the CA's public key bits (issuerKeyHash, and the responder's byKey with SHA-1). */
    private keyHash(hash: string): Buffer {
        return createHash(hash).update(bytes(this.ca.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest()
    }

    private statusOf(id: CertID): CertStatus {
        const unknown = new CertStatus({ unknown: null })
        const hash = CERT_ID_HASHES[id.hashAlgorithm.algorithm]
        if (hash === undefined) return unknown
        const nameHash = createHash(hash).update(bytes(AsnConvert.serialize(this.ca.certificate.tbsCertificate.subject))).digest()
        if (!nameHash.equals(bytes(id.issuerNameHash.buffer)) || !this.keyHash(hash).equals(bytes(id.issuerKeyHash.buffer))) return unknown
        const serial = normaliseSerial(bytes(id.serialNumber).toString("hex"))
        const cert = serial === null ? undefined : this.store.certificate(serial)
        if (cert === undefined || cert.status === "issued") return unknown
        if (cert.status === "good") return new CertStatus({ good: null })
        return new CertStatus({ revoked: new RevokedInfo({ revocationTime: new Date(Math.floor((cert.revokedAt ?? 0) / 1000) * 1000), revocationReason: new CRLReason(cert.reason ?? 0) }) })
    }
}

function status(s: OCSPResponseStatus): Buffer {
    return bytes(AsnConvert.serialize(new OCSPResponse({ responseStatus: s })))
}
