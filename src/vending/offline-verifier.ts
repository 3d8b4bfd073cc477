// The vending machine's decision on a sale, offline (WO 2005/067402 [64]-[71]): the card answered
// the machine's challenge with CMS SignedData carrying its certificate and, stapled, a recent
// OCSP response. The machine trusts one CA (its Name DER and Ed25519 key, from the CA
// certificate) and its own clock, and checks in this order:
//   the certificate: issued by the CA, by Name and key identifier (WRONG CA), signed by it (BAD CERT SIGNATURE), valid now
//     (CERT NOT YET VALID, CERT EXPIRED), keyUsage digitalSignature (NO SIGNING USAGE);
//   the signature: over exactly the challenge sent (NOT OUR CHALLENGE), by that certificate's
//     key with the right message digest (BAD SIGNATURE);
//   the status: revoked by the cached CRL or the stapled OCSP response, whatever their age
//     (CARD REVOKED: a revocation is final); a stapled response that is not the CA's good answer
//     about this certificate (BAD STATUS); good only if the response is fresh by the policy
//     (producedAt and thisUpdate at most maxStatusAgeSeconds old, not ahead of the clock by more
//     than CLOCK_SKEW_SECONDS, nextUpdate not passed), else the cached CRL if its nextUpdate has
//     not passed, else NO FRESH STATUS.
// Anything that does not parse is MALFORMED. Only VendingRefusal leaves verifySale.

import { parseCardCms, verifyCardCms } from "./cms-verify"
import { OCSP_GOOD, OCSP_REVOKED, verifyOcsp, type CaTrust } from "./ocsp-status"
import type { VendingCrypto } from "./vending-crypto"
import {
    BAD_CERT_SIGNATURE,
    BAD_STATUS,
    CARD_REVOKED,
    CERT_EXPIRED,
    CERT_NOT_YET_VALID,
    MALFORMED,
    NO_FRESH_STATUS,
    NO_SIGNING_USAGE,
    NOT_OUR_CHALLENGE,
    refuseUnless,
    VendingRefusal,
    WRONG_CA,
} from "./vending-refusal"
import { KU_DIGITAL_SIGNATURE, parseCardCertificate, sameBytes } from "./x509-card-certificate"

/** How far a status response may be ahead of the machine's clock. */
export const CLOCK_SKEW_SECONDS = 300

export interface SalePolicy {
    /** Oldest producedAt/thisUpdate of a stapled OCSP response accepted (default 24 h). */
    maxStatusAgeSeconds: number
}

/** The revoked serials (hex) and nextUpdate the machine kept from the CA's last CRL. */
export interface CachedCrl {
    serials: string[]
    nextUpdate: number
}

/** Who paid: the certificate's serial (hex), holder's name and phone number. */
export interface SaleHolder {
    serial: string
    holder: string
    phone: string
}

export const DEFAULT_POLICY: SalePolicy = { maxStatusAgeSeconds: 24 * 3600 }

/** The holder certified by `cms` for `challenge`, or a VendingRefusal saying why not. */
export async function verifySale(cms: Buffer, challenge: Buffer, trust: CaTrust, nowSeconds: number, crl: CachedCrl | null, policy: SalePolicy, crypto: VendingCrypto): Promise<SaleHolder> {
    try {
        const m = parseCardCms(cms)
        // Parsing the CMS, the certificate and the staple costs VM steps: each gets its own slice.
        await crypto.yieldSlice()
        const c = parseCardCertificate(m.certificate)
        await crypto.yieldSlice()
        refuseUnless(sameBytes(c.issuer, trust.caName), WRONG_CA, "the certificate's issuer is not the CA")
        // Another CA of the same name: its key identifier (SHA-1 of its key, RFC 5280 4.2.1.2) differs.
        refuseUnless(c.authorityKeyId === null || sameBytes(c.authorityKeyId, crypto.sha1([trust.caPublicKey])), WRONG_CA, "the certificate names another CA key")
        refuseUnless(await crypto.ed25519Verify(trust.caPublicKey, c.tbs, c.signature, crypto.yieldSlice), BAD_CERT_SIGNATURE, "the CA's signature does not verify")
        refuseUnless(nowSeconds >= c.notBefore, CERT_NOT_YET_VALID, "notBefore is after now")
        refuseUnless(nowSeconds <= c.notAfter, CERT_EXPIRED, "notAfter has passed")
        refuseUnless((c.keyUsage & KU_DIGITAL_SIGNATURE) !== 0, NO_SIGNING_USAGE, "keyUsage lacks digitalSignature")
        refuseUnless(sameBytes(m.content, challenge), NOT_OUR_CHALLENGE, "the signed content is not the challenge sent")
        await verifyCardCms(m, c.issuer, c.serial, c.publicKey, crypto)
        refuseUnless(crl === null || crl.serials.indexOf(c.serialHex) < 0, CARD_REVOKED, "the cached CRL lists the certificate")
        let fresh = false
        if (m.ocsp !== null) {
            const s = await verifyOcsp(m.ocsp, trust, c.serial, crypto)
            refuseUnless(s.status !== OCSP_REVOKED, CARD_REVOKED, "the OCSP response says revoked")
            refuseUnless(s.status === OCSP_GOOD, BAD_STATUS, "the OCSP response says unknown")
            const oldest = nowSeconds - policy.maxStatusAgeSeconds
            const newest = nowSeconds + CLOCK_SKEW_SECONDS
            fresh = s.producedAt >= oldest && s.thisUpdate >= oldest && s.producedAt <= newest && s.thisUpdate <= newest && (s.nextUpdate < 0 || nowSeconds <= s.nextUpdate)
        }
        if (!fresh) refuseUnless(crl !== null && nowSeconds <= crl.nextUpdate, NO_FRESH_STATUS, "neither a fresh OCSP response nor a current CRL")
        return { serial: c.serialHex, holder: c.holder, phone: c.phone }
    } catch (e: any) {
        if (e instanceof VendingRefusal) throw e
        throw new VendingRefusal(MALFORMED, e && e.message ? e.message : "" + e)
    }
}
