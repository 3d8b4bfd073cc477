// The certificate revocation list (RFC 5280 5): v2, signed by the CA's Ed25519 key, listing every
// revoked certificate with its date and reason, with the CRL number and the authority key
// identifier. It is made again when a revocation has happened since the last one or when half of
// its validity has passed, and kept in the database, so that the numbers only grow.

import { sign } from "node:crypto"
import { AsnConvert } from "@peculiar/asn1-schema"
import {
    AlgorithmIdentifier,
    AuthorityKeyIdentifier,
    CertificateList,
    CRLNumber,
    CRLReason,
    Extension,
    id_ce_authorityKeyIdentifier,
    id_ce_cRLNumber,
    id_ce_cRLReasons,
    KeyIdentifier,
    RevokedCertificate,
    TBSCertList,
    Time,
    Version,
} from "@peculiar/asn1-x509"
import { OctetString } from "@peculiar/asn1-schema"
import { arrayBuffer, bytes } from "./array-buffer"
import type { CaStore } from "./ca-store"
import { id_Ed25519, type CaIdentity } from "./issue-certificate"

/** How long a CRL is valid (nextUpdate). */
export const CRL_VALIDITY_MS = 24 * 60 * 60 * 1000

function extension(extnID: string, value: object): Extension {
    return new Extension({ extnID, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) })
}

/** A stored serial (hex) as the content octets of a positive INTEGER. */
function serialBytes(hex: string): Buffer {
    const b = Buffer.from(hex.length % 2 === 0 ? hex : "0" + hex, "hex")
    return b[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b
}

/** The current CRL's DER, made anew when needed. */
export function currentCrl(store: CaStore, ca: CaIdentity, now = new Date()): Buffer {
    const stored = store.crl()
    const revocations = store.revokedCount()
    if (stored !== undefined && stored.revocations === revocations && now.getTime() - stored.thisUpdate < CRL_VALIDITY_MS / 2) return stored.der
    const number = (stored?.number ?? 0) + 1
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000)
    const revoked = store.revoked().map(
        (r) =>
            new RevokedCertificate({
                userCertificate: arrayBuffer(serialBytes(r.serial)),
                revocationDate: new Time(new Date(Math.floor(r.revokedAt / 1000) * 1000)),
                crlEntryExtensions: r.reason === 0 ? undefined : [extension(id_ce_cRLReasons, new CRLReason(r.reason))],
            }),
    )
    const tbs = new TBSCertList({
        version: Version.v2,
        signature: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
        issuer: ca.certificate.tbsCertificate.subject,
        thisUpdate: new Time(thisUpdate),
        nextUpdate: new Time(new Date(thisUpdate.getTime() + CRL_VALIDITY_MS)),
        revokedCertificates: revoked.length === 0 ? undefined : revoked,
        crlExtensions: [extension(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(ca.keyId) })), extension(id_ce_cRLNumber, new CRLNumber(number))],
    })
    const signature = sign(null, bytes(AsnConvert.serialize(tbs)), ca.key)
    const der = bytes(AsnConvert.serialize(new CertificateList({ tbsCertList: tbs, signatureAlgorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }), signature: arrayBuffer(signature) })))
    store.putCrl({ number, revocations, thisUpdate: thisUpdate.getTime(), der })
    return der
}
