// Real objects for the vending machine's verification (src/vending/): two CAs (sim/ca) in their
// own data folders, card keys enrolled over HTTP with the portable CMP client, CMS signatures
// made by the card's own builder over the machine's challenge, OCSP responses fetched from the
// CA's /ocsp and stapled as the card does (RFC 5940 RevocationInfoChoice other in crls [1]),
// CRLs fetched from /crl. Each VendingCase says what verifySale must answer; the Node test and
// the VM program (through a generated module) check the same cases.

import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, Extension, Extensions, KeyUsage, KeyUsageFlags, TBSCertificate, id_ce_keyUsage } from "@peculiar/asn1-x509"
import { CertID, OCSPRequest, Request, TBSRequest } from "@peculiar/asn1-ocsp"
import type { CaServer } from "../../sim/ca/ca-server"
import { signCertificate } from "../../sim/ca/issue-certificate"
import { nodeHmacSha256, nodeRandomBytes, nodeSha256 } from "../../sim/node-platform"
import { derTime } from "../../src/asn1/der"
import { cmpIr, cmpReply, type CmpPlatform } from "../../src/certificate/cmp-client"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { ed25519PublicKey, ed25519Sign } from "../../src/crypto/ed25519"
import type { CaTrust } from "../../src/vending/ocsp-status"
import { caTrustOf } from "../../src/vending/machine-trust"
import type { VendingCrypto } from "../../src/vending/vending-crypto"
import { buildChallenge } from "../../src/vending/challenge"
import { verifyCrl } from "../../src/vending/crl-status"
import { parseCardCertificate } from "../../src/vending/x509-card-certificate"
import * as V from "../../src/vending/vending-refusal"

const cmp: CmpPlatform = { sha256: nodeSha256, hmacSha256: nodeHmacSha256, randomBytes: nodeRandomBytes, yieldSlice: async () => {} }

/** node:crypto behind the verifier's interface (fast, independent of the bytecode). */
export const nodeVendingCrypto: VendingCrypto = {
    sha1: (parts) => createHash("sha1").update(Buffer.concat(parts)).digest(),
    sha512: async (parts) => createHash("sha512").update(Buffer.concat(parts)).digest(),
    ed25519Verify: async (publicKey, message, signature) => {
        if (publicKey.length !== 32 || signature.length !== 64) return false
        try {
            return verify(null, message, createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), publicKey]), format: "der", type: "spki" }), signature)
        } catch {
            return false
        }
    },
    yieldSlice: async () => {},
}

/** The machine's trust anchor from the CA certificate: subject Name DER and Ed25519 key. */
export function trustOf(ca: CaServer): CaTrust {
    return caTrustOf(ca.ca.der)
}

export interface Card {
    seed: Buffer
    certificate: Buffer
    serial: string
    sign: (m: Buffer) => Promise<Buffer>
}

/** A card key enrolled at `ca` over HTTP (CMP ir, ip, certConf, pkiConf) with the portable client. */
export async function enrolCard(ca: CaServer, name: string, phone: string): Promise<Card> {
    const r = ca.store.register(name, phone)
    const seed = nodeRandomBytes(32)
    const sign = (m: Buffer) => ed25519Sign(seed, m)
    const s = await cmpIr(cmp, r.reference, Buffer.from(r.secret), name, await ed25519PublicKey(seed), sign)
    const post = async (body: Buffer) => Buffer.from(await (await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "application/pkixcmp" }, body })).arrayBuffer())
    if ((await cmpReply(cmp, s, await post(s.request))) !== false) throw new Error("no certConf after the ip")
    if ((await cmpReply(cmp, s, await post(s.request))) !== true) throw new Error("no pkiConf")
    const certificate = s.certificate as Buffer
    const cert = AsnConvert.parse(certificate, Certificate)
    return { seed, certificate, serial: Buffer.from(cert.tbsCertificate.serialNumber).toString("hex"), sign }
}

/** The CA's OCSP response about `certificate` (SHA-1 CertID as RFC 5019 profiles it). */
export async function fetchOcsp(ca: CaServer, certificate: Buffer): Promise<Buffer> {
    const cert = AsnConvert.parse(certificate, Certificate)
    const caCert = AsnConvert.parse(ca.ca.der, Certificate)
    const h = (b: ArrayBuffer) => new OctetString(createHash("sha1").update(Buffer.from(b)).digest())
    const id = new CertID({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.3.14.3.2.26", parameters: null }),
        issuerNameHash: h(AsnConvert.serialize(cert.tbsCertificate.issuer)),
        issuerKeyHash: h(caCert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
        serialNumber: cert.tbsCertificate.serialNumber,
    })
    const body = Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: id })] }) })))
    const res = await fetch(ca.baseUrl + "/ocsp", { method: "POST", headers: { "content-type": "application/ocsp-request" }, body })
    return Buffer.from(await res.arrayBuffer())
}

export async function fetchCrl(ca: CaServer): Promise<Buffer> {
    return Buffer.from(await (await fetch(ca.baseUrl + "/crl")).arrayBuffer())
}

/** The card's signature over `content`, with `ocsp` stapled as the card staples it (RFC 5940, SignedData version 5) when given. */
export async function cardCms(card: Card, content: Buffer, nowSeconds: number, ocsp: Buffer | null, certificate = card.certificate): Promise<Buffer> {
    return await cmsSignedData(content, certificate, derTime(nowSeconds, true), card.sign, async () => {}, ocsp)
}

/** A certificate for `card`'s key signed by the CA's own key with keyUsage nonRepudiation only. */
export function certificateWithoutSigningUsage(ca: CaServer, card: Card): Buffer {
    const tbs = AsnConvert.parse(card.certificate, Certificate).tbsCertificate
    const exts = (tbs.extensions ?? []).map((e) =>
        e.extnID === id_ce_keyUsage ? new Extension({ extnID: id_ce_keyUsage, critical: true, extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(KeyUsageFlags.nonRepudiation))) }) : e,
    )
    const changed = new TBSCertificate({ ...tbs, extensions: new Extensions(exts) })
    return signCertificate(changed, ca.ca.key as KeyObject)
}

/** One verifySale input and what it must answer: code 0 with the holder, or a refusal code. */
export interface VendingCase {
    name: string
    cms: string
    challenge: string
    now: number
    crl: { serials: string[]; nextUpdate: number } | null
    maxStatusAgeSeconds: number
    code: number
    /** serial|holder|phone when accepted. */
    holder: string
}

export interface VendingFixtures {
    caName: string
    caPublicKey: string
    cases: VendingCase[]
    /** The CA's CRL after the revocation, and the serials it lists. */
    crl: string
    crlSerials: string[]
    /** buildChallenge(OFFER, challengeTime, challengeNonce) as Node made it. */
    challengeTime: number
    challengeNonce: string
    challenge: string
}

export function writeVendingFixturesModule(file: string, f: VendingFixtures): void {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, "// Generated by test/support/vending-fixtures.ts for one test run; not committed.\nexport const VENDING_FIXTURES = " + JSON.stringify(f, null, 1) + "\n")
}


/** Flips the low bit of b[at] in a copy. */
export function flipped(b: Buffer, at: number): Buffer {
    const c = Buffer.from(b)
    c[at] ^= 0x01
    return c
}

export const OFFER = { machineId: "VM000001", slot: "12", item: "Cola 500ml", price: 1500 }

/**
 * Every outcome of verifySale on real objects: `ca` is the machine's CA, `other` another CA (the
 * same Name, another key). Revokes a card at `ca` on the way (for the revoked cases).
 */
export async function makeVendingFixtures(ca: CaServer, other: CaServer): Promise<VendingFixtures> {
    const trust = trustOf(ca)
    const now = Math.floor(Date.now() / 1000)
    const challenge = buildChallenge(OFFER, now, nodeRandomBytes(12))
    const otherChallenge = buildChallenge(OFFER, now - 60, nodeRandomBytes(12))
    const alice = await enrolCard(ca, "Alice Holder", "+821011112222")
    const bob = await enrolCard(ca, "Bob Holder", "+821033334444")
    const stranger = await enrolCard(other, "Eve Stranger", "+821055556666")
    const aliceOcsp = await fetchOcsp(ca, alice.certificate)
    const bobGoodOcsp = await fetchOcsp(ca, bob.certificate)
    const crlBefore = await verifyCrl(await fetchCrl(ca), trust, nodeVendingCrypto)
    const cert = parseCardCertificate(alice.certificate)
    const good = await cardCms(alice, challenge, now, aliceOcsp)
    const bare = await cardCms(alice, challenge, now, null)
    const crl = { serials: crlBefore.serials, nextUpdate: crlBefore.nextUpdate }
    const cases: VendingCase[] = []
    const add = (name: string, cms: Buffer, code: number, o: { now?: number; crl?: VendingCase["crl"]; maxAge?: number; challenge?: Buffer; holder?: string } = {}) =>
        cases.push({ name, cms: cms.toString("hex"), challenge: (o.challenge ?? challenge).toString("hex"), now: o.now ?? now, crl: o.crl === undefined ? null : o.crl, maxStatusAgeSeconds: o.maxAge ?? 86400, code, holder: o.holder ?? "" })
    const aliceHolder = `${alice.serial}|Alice Holder|+821011112222`
    add("accepted: fresh stapled OCSP, no CRL", good, 0, { holder: aliceHolder })
    add("accepted: no OCSP, current CRL", bare, 0, { crl, holder: aliceHolder })
    add("accepted: stale OCSP (policy 10 s), current CRL", good, 0, { crl, now: now + 600, maxAge: 10, holder: aliceHolder })
    add("no OCSP, no CRL", bare, V.NO_FRESH_STATUS)
    add("OCSP older than the policy, no CRL", good, V.NO_FRESH_STATUS, { now: now + 600, maxAge: 10 })
    add("OCSP past its nextUpdate, no CRL", good, V.NO_FRESH_STATUS, { now: now + 7200 })
    add("no OCSP, CRL past its nextUpdate", bare, V.NO_FRESH_STATUS, { crl, now: crlBefore.nextUpdate + 1 })
    add("certificate from another CA", await cardCms(stranger, challenge, now, await fetchOcsp(other, stranger.certificate)), V.WRONG_CA, { crl })
    add("certificate expired", good, V.CERT_EXPIRED, { now: cert.notAfter + 1, crl })
    add("certificate not yet valid", good, V.CERT_NOT_YET_VALID, { now: cert.notBefore - 1, crl })
    add("certificate without digitalSignature", await cardCms(alice, challenge, now, aliceOcsp, certificateWithoutSigningUsage(ca, alice)), V.NO_SIGNING_USAGE)
    add("signature over another challenge (replay)", await cardCms(alice, otherChallenge, now, aliceOcsp), V.NOT_OUR_CHALLENGE)
    // Byte positions in the stapled CMS: the signature ends it, the certificate's signature ends the
    // certificate; the content, the signingTime and the OCSP response found by search.
    const g = good
    const certAt = g.indexOf(alice.certificate)
    const contentAt = g.indexOf(challenge)
    const timeAt = g.indexOf(derTime(now, true))
    add("tampered CMS signature", flipped(g, g.length - 1), V.BAD_SIGNATURE)
    add("tampered certificate signature", flipped(g, certAt + alice.certificate.length - 1), V.BAD_CERT_SIGNATURE)
    add("tampered certificate subject", flipped(g, certAt + alice.certificate.indexOf(Buffer.from("Alice"))), V.BAD_CERT_SIGNATURE)
    add("tampered content byte", flipped(g, contentAt + 30), V.NOT_OUR_CHALLENGE)
    add("tampered signingTime", flipped(g, timeAt + 5), V.BAD_SIGNATURE)
    add("tampered OCSP signature", flipped(g, g.indexOf(aliceOcsp) + aliceOcsp.length - 1), V.BAD_STATUS)
    add("another card's OCSP response stapled", await cardCms(alice, challenge, now, bobGoodOcsp), V.BAD_STATUS, { crl })
    add("another CA's OCSP response stapled", await cardCms(alice, challenge, now, await fetchOcsp(other, stranger.certificate)), V.BAD_STATUS, { crl })
    add("garbage", nodeRandomBytes(300), V.MALFORMED)
    add("empty", Buffer.alloc(0), V.MALFORMED)
    add("truncated", g.subarray(0, g.length - 10), V.MALFORMED)
    // Bob is revoked: the fresh OCSP response says so, and the new CRL lists him.
    ca.store.revoke(bob.serial, 1)
    const bobRevokedOcsp = await fetchOcsp(ca, bob.certificate)
    const crlDer = await fetchCrl(ca)
    const crlAfter = await verifyCrl(crlDer, trust, nodeVendingCrypto)
    const revokedCrl = { serials: crlAfter.serials, nextUpdate: crlAfter.nextUpdate }
    add("revoked: fresh OCSP says revoked", await cardCms(bob, challenge, now, bobRevokedOcsp), V.CARD_REVOKED)
    add("revoked: CRL lists it, no OCSP", await cardCms(bob, challenge, now, null), V.CARD_REVOKED, { crl: revokedCrl })
    add("revoked: CRL lists it, good OCSP from before", await cardCms(bob, challenge, now, bobGoodOcsp), V.CARD_REVOKED, { crl: revokedCrl })
    add("revoked: stale CRL lists it", await cardCms(bob, challenge, now, null), V.CARD_REVOKED, { crl: revokedCrl, now: revokedCrl.nextUpdate + 10 })
    add("not revoked: the new CRL, another card", bare, 0, { crl: revokedCrl, holder: aliceHolder })
    return {
        caName: trust.caName.toString("hex"),
        caPublicKey: trust.caPublicKey.toString("hex"),
        cases,
        crl: crlDer.toString("hex"),
        crlSerials: crlAfter.serials,
        challengeTime: now,
        challengeNonce: challenge.subarray(24, 48).toString("latin1"),
        challenge: challenge.toString("hex"),
    }
}
