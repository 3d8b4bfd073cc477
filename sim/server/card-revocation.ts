// The status of the cards' certificates at the payment server: the CA's CRL (RFC 5280), read from
// a file that the operator keeps current (fetched from the CA's /crl), and read again when the
// file changes. OpenSSL checks a full handshake's client certificate against it (it refuses a
// revoked one, and any once the CRL is past its nextUpdate); a resumed connection brings no
// certificate to check, so the decision checks the certificate its ticket carries here, and its
// validity, before anything is approved.

import { readFileSync, statSync } from "node:fs"
import { X509Certificate } from "node:crypto"
import { AsnConvert } from "@peculiar/asn1-schema"
import { CertificateList } from "@peculiar/asn1-x509"
import { pem } from "../ca/issue-certificate"

/** A serial as upper-case hex without leading zero bytes (as node:crypto prints it). */
function serialKey(bytes: Buffer): string {
    let i = 0
    while (i < bytes.length - 1 && bytes[i] === 0) i++
    return bytes.subarray(i).toString("hex").toUpperCase()
}

export class CardRevocation {
    private loadedAt = -1
    private pemText = ""
    private revoked = new Set<string>()

    constructor(
        /** The CRL file (PEM or DER), or null: no revocation checking. */
        private readonly file: string | null,
    ) {}

    /** The CRL as PEM for OpenSSL, or undefined without a file; throws when the file cannot be read as a CRL. */
    pem(): string | undefined {
        this.refresh()
        return this.file === null ? undefined : this.pemText
    }

    /** Why a verified card certificate cannot pay now ("card certificate revoked" or "... expired"), or "". */
    refusal(certificate: Buffer, now = new Date()): string {
        this.refresh()
        let cert: X509Certificate
        try {
            cert = new X509Certificate(certificate)
        } catch {
            return "card certificate unreadable"
        }
        if (this.revoked.has(serialKey(Buffer.from(cert.serialNumber, "hex")))) return "card certificate revoked"
        if (now.getTime() > Date.parse(cert.validTo) || now.getTime() < Date.parse(cert.validFrom)) return "card certificate expired"
        return ""
    }

    private refresh(): void {
        if (this.file === null) return
        const mtime = statSync(this.file).mtimeMs
        if (mtime === this.loadedAt) return
        const raw = readFileSync(this.file)
        const text = raw.toString("latin1")
        const der = text.includes("-----BEGIN X509 CRL-----") ? Buffer.from(text.replace(/-----[^-]+-----|\s/g, ""), "base64") : raw
        const crl = AsnConvert.parse(der, CertificateList)
        this.revoked = new Set((crl.tbsCertList.revokedCertificates ?? []).map((e) => serialKey(Buffer.from(e.userCertificate))))
        this.pemText = pem(der, "X509 CRL")
        this.loadedAt = mtime
    }
}
