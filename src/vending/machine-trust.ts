// What the offline vending machine trusts and keeps for revocation, in its settings:
//   ca.cert   the CA's certificate DER (split like the card's, certificate-store.ts): the machine
//             takes the CA's Name and Ed25519 key from it (RFC 8410 SubjectPublicKeyInfo)
//   vend.crl  the last CRL the machine verified, reduced to its nextUpdate and the revoked
//             serials: "<nextUpdate> <serial hex> <serial hex>..." (split the same way)
// refreshCrl fetches the CA's CRL (GET /crl, RFC 5280 over HTTP), verifies it under the trusted
// key (crl-status.ts) and keeps it; a CRL that does not verify leaves the kept one as it was.
// Portable: the settings, the connection and the hashes are injected.

import { tbsFields, whole } from "../asn1/der"
import { fromUtf8, toHex } from "../bytes"
import { SettingsPort } from "../card/card-store"
import { readSplit, writeSplit } from "../certificate/certificate-store"
import { Sha256 } from "../crypto/sha256"
import { FormatError } from "../format-error"
import { httpRequest } from "../net/http-client"
import { ByteStream } from "../radius/stream-client"
import { verifyCrl } from "./crl-status"
import type { CachedCrl } from "./offline-verifier"
import type { CaTrust } from "./ocsp-status"
import type { VendingCrypto } from "./vending-crypto"

export const KEY_CA_CERT = "ca.cert"
export const KEY_CRL = "vend.crl"
/** The largest CRL the machine fetches. */
const MAX_CRL_BYTES = 8192
/** SubjectPublicKeyInfo { id-Ed25519 } up to the 32 key bytes (RFC 8410 4). */
const ED25519_SPKI_PREFIX = "302a300506032b6570032100"

/** The CA's Name and Ed25519 key from its certificate DER; FormatError for any other key. */
export function caTrustOf(caCertificate: Buffer): CaTrust {
    const f = tbsFields(caCertificate)
    const spki = whole(caCertificate, f[5])
    if (spki.length !== 44 || toHex(spki.slice(0, 12)) !== ED25519_SPKI_PREFIX) throw new FormatError("the CA's key is not Ed25519")
    return { caName: whole(caCertificate, f[4]), caPublicKey: spki.slice(12) }
}

/** The trusted CA from the settings, or null when none was provisioned. */
export async function loadTrust(settings: SettingsPort, sha256: Sha256): Promise<CaTrust | null> {
    const der = await readSplit(settings, KEY_CA_CERT, sha256)
    return der === null ? null : caTrustOf(der)
}

/** The kept CRL, or null when there is none (or it does not read back). */
export async function loadCrl(settings: SettingsPort, sha256: Sha256): Promise<CachedCrl | null> {
    const b = await readSplit(settings, KEY_CRL, sha256)
    if (b === null) return null
    const words = b.toString().split(" ")
    const nextUpdate = parseInt(words[0])
    if (!(nextUpdate > 0)) return null
    return { nextUpdate: nextUpdate, serials: words.slice(1) }
}

/** Fetches, verifies and keeps the CA's CRL; the kept one. Throws when unreachable or not valid. */
export async function refreshCrl(
    settings: SettingsPort,
    trust: CaTrust,
    open: () => Promise<ByteStream>,
    host: string,
    crypto: VendingCrypto,
    sha256: Sha256,
    timeoutMs: number,
): Promise<CachedCrl> {
    const a = await httpRequest(open, "GET", host, "/crl", "", null, MAX_CRL_BYTES, timeoutMs)
    if (a.status !== 200) throw new Error("CA answered HTTP " + a.status + " for its CRL")
    const list = await verifyCrl(a.body, trust, crypto)
    let text = "" + list.nextUpdate
    for (let i = 0; i < list.serials.length; i++) text += " " + list.serials[i]
    await writeSplit(settings, KEY_CRL, fromUtf8(text), sha256)
    return { nextUpdate: list.nextUpdate, serials: list.serials }
}
