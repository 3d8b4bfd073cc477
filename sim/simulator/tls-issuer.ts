// The issuer's side of a card that pays over EAP-TLS, for the simulator: a certification authority
// in the data folder (sim/ca's issuance) that certifies the payment server under its name and the
// card under its card ID (the subject's serialNumber, which the server reads), and the card's
// Ed25519 key, made here as K and OPc are made for an EAP-AKA card. The key and the PIN verifier
// go only into the personalization record; nothing here is logged.

import { generateKeyPairSync } from "node:crypto"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { loadCaIdentity } from "../ca/ca-data"
import { issueHolderCertificate, pem, spkiOf } from "../ca/issue-certificate"
import type { TlsServerCredentials } from "../server/eap-tls-server"
import type { CardProfile as ProfileFile } from "../server/provision"
import { encodeTlsProfile } from "../../src/card/tls-card-profile"

/** The name in the payment server's certificate, which the card checks. */
export const PAYMENT_SERVER_NAME = "payments.activecard.example"

export interface TlsIssuer {
    /** The payment server's key, certificate and the cards' CA (PEM). */
    server: TlsServerCredentials
    /** The card's personalization record for `file` (the AKA profile file's realm, PIN and no-PIN limit). */
    cardRecord(file: ProfileFile, cardId: string): Buffer
}

export function tlsIssuer(dir: string): TlsIssuer {
    const caDir = join(dir, "tls-ca")
    mkdirSync(caDir, { recursive: true })
    const ca = loadCaIdentity(caDir)
    const baseUrl = "http://127.0.0.1:8829"
    const server = generateKeyPairSync("ed25519").privateKey
    const serverCert = issueHolderCertificate(ca, { name: PAYMENT_SERVER_NAME, phone: "+820000000000", publicKey: spkiOf(server), baseUrl, validityDays: 365 })
    return {
        server: { key: server.export({ type: "pkcs8", format: "pem" }) as string, cert: pem(serverCert.der, "CERTIFICATE"), ca: pem(ca.der, "CERTIFICATE") },
        cardRecord: (file: ProfileFile, cardId: string): Buffer => {
            const card = generateKeyPairSync("ed25519").privateKey
            const cert = issueHolderCertificate(ca, { name: "CARD " + cardId, phone: "+820000000000", publicKey: spkiOf(card), baseUrl, validityDays: 365, cardId })
            // PKCS#8 of an Ed25519 key (RFC 8410) ends with the 32-byte seed.
            const pkcs8 = card.export({ type: "pkcs8", format: "der" })
            return encodeTlsProfile({
                realm: file.realm,
                serverName: PAYMENT_SERVER_NAME,
                seed: pkcs8.subarray(pkcs8.length - 32),
                certificate: cert.der,
                caPublicKey: Buffer.from(ca.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
                pinSalt: Buffer.from(file.pin.salt, "hex"),
                pinVerifier: Buffer.from(file.pin.verifier, "hex"),
                maxPinTries: file.pin.maxTries,
                noPinLimit: file.noPinLimit,
            })
        },
    }
}
