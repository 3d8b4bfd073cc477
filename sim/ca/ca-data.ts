// The certification authority's data folder: private to its user (mode 0700), holding the
// database (ca.db), the CA's Ed25519 private key (ca-key.pem, PKCS#8, mode 0600) and its
// self-signed certificate (ca.pem). The key and certificate are made on first use and never
// replaced: a folder with a certificate but no key is refused rather than given a new identity.

import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createPrivateKey, generateKeyPairSync } from "node:crypto"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import { privateFolder } from "../private-folder"
import { CaStore } from "./ca-store"
import { keyIdentifier, pem, selfSignedCaCertificate, spkiOf, type CaIdentity } from "./issue-certificate"

export const CA_KEY_FILE = "ca-key.pem"
export const CA_CERT_FILE = "ca.pem"

export class CaDataError extends Error {}

/** DER of the first PEM block in `text`. */
function pemBody(text: string): Buffer {
    const m = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END/.exec(text)
    if (m === null) throw new CaDataError("not a PEM file")
    return Buffer.from(m[1].replace(/\s+/g, ""), "base64")
}

/** The CA's key and certificate in `dir`, made on first use. */
export function loadCaIdentity(dir: string): CaIdentity {
    const keyFile = join(dir, CA_KEY_FILE)
    const certFile = join(dir, CA_CERT_FILE)
    if (!existsSync(keyFile)) {
        if (existsSync(certFile)) throw new CaDataError(`data folder ${dir} has ${CA_CERT_FILE} but no ${CA_KEY_FILE}: restore the key (a new one would be a different CA)`)
        const { privateKey } = generateKeyPairSync("ed25519")
        // "wx": a second process starting at the same moment fails here instead of overwriting.
        writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" })
    }
    let key
    try {
        key = createPrivateKey(readFileSync(keyFile))
    } catch {
        throw new CaDataError(`${keyFile} is not a readable private key`)
    }
    if (key.asymmetricKeyType !== "ed25519") throw new CaDataError(`${keyFile} is not an Ed25519 key`)
    if (!existsSync(certFile)) writeFileSync(certFile, pem(selfSignedCaCertificate(key), "CERTIFICATE"), { mode: 0o644 })
    const der = pemBody(readFileSync(certFile, "utf8"))
    const certificate = AsnConvert.parse(der, Certificate)
    const keyId = keyIdentifier(certificate.tbsCertificate.subjectPublicKeyInfo)
    if (!keyIdentifier(spkiOf(key)).equals(keyId)) throw new CaDataError(`${certFile} is not the certificate of ${keyFile}`)
    return { key, certificate, der, keyId }
}

/** Opens the data folder: its database and the CA's identity. */
export function openCaData(dir: string): { store: CaStore; ca: CaIdentity } {
    privateFolder(dir, "the CA keeps its key and database there", (m) => new CaDataError(m))
    const store = CaStore.open(dir)
    try {
        return { store, ca: loadCaIdentity(dir) }
    } catch (e) {
        store.close()
        throw e
    }
}
