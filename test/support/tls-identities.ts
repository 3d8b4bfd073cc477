// Keys and certificates for the EAP-TLS tests, from CAs made for the test (sim/ca's issuance):
// an Ed25519 key with a certificate that names `name` in its commonName (the holder profile; a
// server's name goes there, as the CA has no server profile yet), in the forms the tests need;
// and the card's EAP-TLS peer holding such a key.

import { generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto"
import { pem, issueHolderCertificate, spkiOf, type CaIdentity } from "../../sim/ca/issue-certificate"
import { nodeTlsHash } from "../../sim/node-platform"
import { EapTlsPeer } from "../../src/eap/eap-tls-peer"
import { TlsClient, type TlsTicket } from "../../src/tls/tls-client"

export interface TestIdentity {
    privateKey: KeyObject
    /** The private key as PKCS#8 PEM. */
    key: string
    /** The certificate as PEM and DER. */
    cert: string
    der: Buffer
}

/** `cardId`: the payment card the certificate names (its subject's serialNumber), for a card's identity. */
export function issuedIdentity(issuer: CaIdentity, name: string, cardId?: string, now?: Date): TestIdentity {
    const { privateKey } = generateKeyPairSync("ed25519")
    const c = issueHolderCertificate(issuer, { name, phone: "+821000000000", publicKey: spkiOf(privateKey), baseUrl: "http://127.0.0.1:8829", validityDays: 30, cardId }, now)
    return { privateKey, key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert: pem(c.der, "CERTIFICATE"), der: c.der }
}

export function caPem(ca: CaIdentity): string {
    return pem(ca.der, "CERTIFICATE")
}

/** The CA's raw 32-byte Ed25519 public key, as the card keeps it. */
export function caPublicKey(ca: CaIdentity): Buffer {
    return Buffer.from(ca.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)
}

/** The card's EAP-TLS peer (the portable code) with a key held by Node, trusting `caKey`. */
export function nodeCardPeer(card: TestIdentity, caKey: Buffer, serverName: string, fragmentData?: number, payment: Buffer | null = null, ticket: TlsTicket | null = null): EapTlsPeer {
    return new EapTlsPeer(
        () =>
            new TlsClient({
                hash: nodeTlsHash,
                randomBytes: (n: number) => randomBytes(n),
                yieldSlice: async () => {},
                serverName: serverName,
                caPublicKey: caKey,
                certificate: card.der,
                sign: async (m: Buffer) => sign(null, m, card.privateKey),
                now: Math.floor(Date.now() / 1000),
                ticket,
            }),
        "@pay.activecard.example",
        payment,
        fragmentData,
    )
}
