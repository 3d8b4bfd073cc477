// OCSP stapling on the card (src/certificate/ocsp-request.ts, certificate-app.ts, cms-signed-data.ts)
// against the real CA over TCP: the RFC 5019 request the card builds from its certificate alone,
// the response it keeps after enrolment and refreshes when a notice brings it online, the CMS
// SignedData it makes with the response stapled (RFC 5940: crls [1] { other [1] }, version 5),
// read by @peculiar/asn1-cms and by stock tools (GnuTLS verifies it, OpenSSL prints it; each skips
// when missing), and a revocation at the CA that the next fetch brings in.

import { afterAll, describe, expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { createHash, createPublicKey, verify } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier } from "@peculiar/asn1-x509"
import { BasicOCSPResponse, id_pkix_ocsp_basic, OCSPRequest, OCSPResponse, OCSPResponseStatus } from "@peculiar/asn1-ocsp"
import { ContentInfo, id_ri_ocsp_response, SignedData } from "@peculiar/asn1-cms"
import { CaServer } from "../../sim/ca/ca-server"
import { CA_CERT_FILE } from "../../sim/ca/ca-data"
import { nodeSha256 } from "../../sim/node-platform"
import { CERT_ANSWERED, CERT_ENROLLING, CERT_IDLE, CERT_READING } from "../../src/certificate/certificate-app"
import { KEY_OCSP, readSplit, writeSplit } from "../../src/certificate/certificate-store"
import { checkOcspResponse, ocspRequest } from "../../src/certificate/ocsp-request"
import { encodeHistory, historyDisplayLines, parseHistory } from "../../src/certificate/transaction-history"
import { FormatError } from "../../src/format-error"
import { MemorySettings } from "../shared/memory-settings"
import { type CertCard, certCard, settle, startService, typeKeys } from "../support/certificate-card"

const PHONE = "+821055550000"
const PASSWORD = "135790"
const dir = mkdtempSync(join(tmpdir(), "activecard-ocsp-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const caPem = join(dir, "ca", CA_CERT_FILE)

// The service provider: histories by ID; signatures recorded and answered OK.
const service = await startService()
const histories = service.histories
const servicePort = service.port

afterAll(async () => {
    service.close()
    await ca.stop()
    rmSync(dir, { recursive: true, force: true })
})

type Card = CertCard

/** A card on `settings`: the CA, the service and the number `tel` set on the first boot ("" none). */
async function newCard(settings = new MemorySettings(), tel = PHONE): Promise<Card> {
    if ((await settings.read("ca.host")) !== null) return await certCard(settings, {})
    const values: Record<string, string> = { "ca.host": "127.0.0.1", "ca.port": String(ca.port), "svc.host": "127.0.0.1", "svc.port": String(servicePort) }
    if (tel !== "") values.tel = tel
    return await certCard(settings, values)
}

const type = typeKeys

async function enrolled(phone = PHONE): Promise<Card> {
    const reg = ca.store.register("Staple Holder", phone)
    const c = await newCard(new MemorySettings(), phone)
    type(c.app, "1" + reg.reference + "#" + reg.secret + "#" + PASSWORD + "#" + PASSWORD + "#")
    expect(c.app.state).toBe(CERT_ENROLLING)
    await settle(c.app)
    expect(c.app.state).toBe(CERT_IDLE)
    expect(c.app.cert).not.toBeNull()
    return c
}

/** A vending machine's challenge: no FOR line. */
function challenge(id: string): Buffer {
    return encodeHistory({ id, by: "VENDING VM000001", at: "2026-12-05T22:00:00Z", phone: "", lines: ["ITEM 3 COLA", "PRICE 1200 KRW"] })
}

function history(id: string, phone: string): Buffer {
    return encodeHistory({ id, by: "DEMO BANK", at: "2026-12-05T22:00:00Z", phone, lines: ["TRANSFER 50,000 KRW"] })
}

function keysToSign(h: Buffer): string {
    return "#".repeat(Math.ceil(historyDisplayLines(parseHistory(h)).length / 3)) + PASSWORD + "#"
}

/** Signs `h` as the infrared flow does (SIGN HISTORY, the holder's keys); the CMS. */
async function signOffline(c: Card, h: Buffer): Promise<Buffer> {
    expect(c.app.signHistory(h)).toBe(0x9000)
    type(c.app, keysToSign(h))
    await settle(c.app)
    expect(c.app.state).toBe(CERT_ANSWERED)
    expect(c.app.signatureStatus()).toBe(0x9000)
    const cms = c.app.signature
    c.app.tick(0, 0)
    c.app.tick(31_000, 31_000) // read: the request ends
    return cms
}

/** An SMS notice for history `id`: fetched, shown, signed, posted; the CMS posted. */
async function signOnline(c: Card, id: string, h: Buffer): Promise<Buffer> {
    histories.set(id, h)
    c.sms.receive(1, "ACSIGN " + id)
    await c.app.step()
    expect(c.app.state).toBe(CERT_READING)
    type(c.app, keysToSign(h))
    await settle(c.app)
    expect(c.shown.at(-1)).toBe("OK performed")
    return (service.posted.at(-1) as { body: Buffer }).body
}

const der = (v: object) => Buffer.from(AsnConvert.serialize(v))
const sha1 = (b: Buffer | ArrayBuffer) => createHash("sha1").update(Buffer.from(b as ArrayBuffer)).digest()
const caCert = ca.ca.certificate

/** The one SingleResponse of a stored OCSPResponse: status, and the response's own checks. */
function single(response: Buffer, cert: Buffer) {
    const r = AsnConvert.parse(response, OCSPResponse)
    expect(r.responseStatus).toBe(OCSPResponseStatus.successful)
    expect(r.responseBytes?.responseType).toBe(id_pkix_ocsp_basic)
    const basic = AsnConvert.parse(r.responseBytes?.response.buffer as ArrayBuffer, BasicOCSPResponse)
    expect(verify(null, der(basic.tbsResponseData), createPublicKey(ca.ca.key), Buffer.from(basic.signature))).toBe(true)
    expect(basic.tbsResponseData.responses).toHaveLength(1)
    const s = basic.tbsResponseData.responses[0]
    const c = AsnConvert.parse(cert, Certificate)
    expect(Buffer.from(s.certID.serialNumber).equals(Buffer.from(c.tbsCertificate.serialNumber))).toBe(true)
    expect(Buffer.from(s.certID.issuerNameHash.buffer).equals(sha1(der(caCert.tbsCertificate.subject)))).toBe(true)
    expect(Buffer.from(s.certID.issuerKeyHash.buffer).equals(sha1(caCert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey))).toBe(true)
    return s
}

/** The SignedData of a CMS and its stapled OCSP response (null without one). */
function stapled(cms: Buffer): { signed: SignedData; ocsp: Buffer | null } {
    const info = AsnConvert.parse(cms, ContentInfo)
    const signed = AsnConvert.parse(info.content, SignedData)
    if (signed.crls === undefined) return { signed, ocsp: null }
    expect(signed.crls).toHaveLength(1)
    expect(signed.crls[0].other.otherRevInfoFormat).toBe(id_ri_ocsp_response)
    return { signed, ocsp: Buffer.from(signed.crls[0].other.otherRevInfo) }
}

/** Runs a stock tool: its exit code, and its standard output and error together. */
function tool(cmd: string, args: string[]): { code: number; out: string } {
    const r = spawnSync(cmd, args, { encoding: "latin1", timeout: 20_000 })
    return { code: r.status ?? 1, out: r.stdout + r.stderr }
}

let n = 0
function file(b: Buffer): string {
    const f = join(dir, `f${n++}`)
    writeFileSync(f, b)
    return f
}

const card = await enrolled()
const cert = card.app.cert as Buffer
const firstResponse = await readSplit(card.settings, KEY_OCSP, nodeSha256)
/** A vending machine's challenge signed over infrared, with the response stapled. */
const content = challenge("VEND-1")
const cms = await signOffline(card, content)

describe("the OCSP request (RFC 6960, RFC 5019 profile) from the card's certificate alone", () => {
    test("CertID: SHA-1, hash of the issuer Name, the CA key's identifier, the serial; no nonce, no signature", () => {
        const req = ocspRequest(cert)
        const parsed = AsnConvert.parse(req, OCSPRequest)
        expect(der(parsed).equals(req)).toBe(true)
        expect(parsed.optionalSignature).toBeUndefined()
        expect(parsed.tbsRequest.requestExtensions).toBeUndefined()
        expect(parsed.tbsRequest.requestList).toHaveLength(1)
        const id = parsed.tbsRequest.requestList[0].reqCert
        expect(id.hashAlgorithm.algorithm).toBe("1.3.14.3.2.26")
        const c = AsnConvert.parse(cert, Certificate)
        expect(Buffer.from(id.issuerNameHash.buffer).equals(sha1(der(c.tbsCertificate.issuer)))).toBe(true)
        expect(Buffer.from(id.serialNumber).equals(Buffer.from(c.tbsCertificate.serialNumber))).toBe(true)
        // The CA's key identifier is SHA-1 of its subjectPublicKey bits (RFC 5280 4.2.1.2 method 1),
        // which is what issuerKeyHash is (RFC 6960 4.1.1).
        const aki = c.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_authorityKeyIdentifier)
        const keyId = Buffer.from(AsnConvert.parse(aki?.extnValue.buffer as ArrayBuffer, AuthorityKeyIdentifier).keyIdentifier?.buffer as ArrayBuffer)
        expect(keyId.equals(sha1(caCert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey))).toBe(true)
        expect(Buffer.from(id.issuerKeyHash.buffer).equals(keyId)).toBe(true)
    })

    test("a certificate without the authority key identifier gets no request", () => {
        const other = Buffer.from(cert)
        const at = other.indexOf(Buffer.from("0603551d23", "hex"))
        expect(at).toBeGreaterThan(0)
        other[at + 4] = 0x24 // id-ce-policyMappings
        expect(() => ocspRequest(other)).toThrow(FormatError)
    })

    test("a response is kept only as one DER OCSPResponse with status successful", () => {
        expect(() => checkOcspResponse(firstResponse as Buffer)).not.toThrow()
        const refused = [
            der(new OCSPResponse({ responseStatus: OCSPResponseStatus.unauthorized })),
            der(new OCSPResponse({ responseStatus: OCSPResponseStatus.tryLater })),
            Buffer.concat([firstResponse as Buffer, Buffer.from([0])]),
            (firstResponse as Buffer).subarray(0, 40),
            Buffer.from("not found\n"),
            Buffer.alloc(0),
        ]
        for (const b of refused) expect(() => checkOcspResponse(b)).toThrow(FormatError)
        // Successful in name but without responseBytes.
        expect(() => checkOcspResponse(Buffer.from("30030a0100", "hex"))).toThrow(FormatError)
    })
})

describe("the card fetches and keeps its OCSP response", () => {
    test("after enrolment: a response the CA signed, for this certificate, good", () => {
        expect(firstResponse).not.toBeNull()
        expect(single(firstResponse as Buffer, cert).certStatus.good).toBe(null)
        expect(card.logs).toContain("CERT OCSP response stored")
    })

    test("another boot loads it and staples it", async () => {
        const again = await newCard(card.settings)
        const cms = await signOffline(again, challenge("BOOT-1"))
        expect(stapled(cms).ocsp).toEqual(firstResponse)
    })

    test("a response kept for another certificate is not stapled", async () => {
        const other = await enrolled("+821055550001")
        await writeSplit(other.settings, KEY_OCSP, firstResponse as Buffer, nodeSha256)
        const rebooted = await newCard(other.settings)
        const s = stapled(await signOffline(rebooted, challenge("OTHER-1")))
        expect(s.ocsp).toBeNull()
        expect(s.signed.version).toBe(1)
    })

    test("a CA out of reach: the failure is logged, signing goes on with the response kept", async () => {
        const c = await enrolled("+821055550002")
        const kept = await readSplit(c.settings, KEY_OCSP, nodeSha256)
        await c.settings.write("ca.port", Buffer.from("1"), false)
        const cms = await signOnline(c, "DOWN-1", history("DOWN-1", "+821055550002"))
        expect(c.logs.filter((l) => l.startsWith("CERT OCSP failed: "))).toHaveLength(1)
        expect(stapled(cms).ocsp).toEqual(kept)
        expect(c.logs.join("\n")).not.toContain(PASSWORD)
    })

    test("a card without a response signs without crls (version 1)", async () => {
        const c = await enrolled("+821055550003")
        c.settings.values.delete(KEY_OCSP)
        const signed = stapled(await signOffline(await newCard(c.settings), challenge("NONE-1")))
        expect([signed.ocsp, signed.signed.version, signed.signed.crls]).toEqual([null, 1, undefined])
    })
})

describe("the SignedData with the response stapled (RFC 5652 5.1, RFC 5940 2.1)", () => {
    test("crls [1] holds `other` [1] { id-ri-ocsp-response, the response }, version 5", () => {
        const s = stapled(cms)
        expect(s.signed.version).toBe(5)
        expect(s.ocsp).toEqual(firstResponse)
        expect(s.signed.signerInfos[0].version).toBe(1)
        // The DER: certificates [0], then crls A1 { A1 { OID, response } }, then the signerInfos SET.
        const crls = cms.indexOf(Buffer.concat([cert, Buffer.from("a1", "hex")]))
        expect(crls).toBeGreaterThan(0)
        const at = crls + cert.length
        const inner = cms.indexOf(Buffer.from("a1", "hex"), at + 2)
        expect(inner).toBeLessThanOrEqual(at + 4)
        expect(cms.subarray(inner, inner + 20).includes(Buffer.from("06082b06010505071002", "hex"))).toBe(true)
        expect(Buffer.from(AsnConvert.parse(cms, ContentInfo).content).includes(content)).toBe(true)
    })

    test.skipIf(tool("certtool", ["--version"]).code !== 0)("GnuTLS certtool --p7-verify still verifies it under the CA certificate", () => {
        const r = tool("certtool", ["--p7-verify", "--inder", "--infile", file(cms), "--load-ca-certificate", caPem])
        expect(r.out).toContain("Signature status: ok")
        expect(r.code, r.out).toBe(0)
        const bad = Buffer.from(cms)
        bad[bad.indexOf(content) + 10] ^= 1
        expect(tool("certtool", ["--p7-verify", "--inder", "--infile", file(bad), "--load-ca-certificate", caPem]).code).not.toBe(0)
    })

    test.skipIf(tool("openssl", ["version"]).code !== 0)("openssl cms -cmsout -print shows the revocation info", () => {
        const r = tool("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", file(cms)])
        expect(r.code, r.out).toBe(0)
        expect(r.out).toMatch(/crls:\s*\n\s*d\.other:/)
        expect(r.out).toMatch(/otherRevInfoFormat: .*1\.3\.6\.1\.5\.5\.7\.16\.2/)
        expect(r.out).toContain("Basic OCSP Response")
        expect(r.out).toMatch(/d\.signedData: \s*\n\s*version: 5\n/)
    })
})

describe("online signing refreshes the response; a revocation at the CA shows in the next", () => {
    test("a history without FOR, or for another number, is refused after a notice", async () => {
        for (const [id, h] of [
            ["NOFOR-1", challenge("NOFOR-1")],
            ["OTHER-2", history("OTHER-2", "+821000000000")],
        ] as const) {
            histories.set(id, h)
            card.sms.receive(2, "ACSIGN " + id)
            await card.app.step()
            expect([card.app.state, card.shown.at(-1)]).toEqual([CERT_IDLE, "NOT FOR THIS CARD"])
        }
        // A card with no number set refuses a history without FOR too.
        const settings = new MemorySettings()
        for (const [k, v] of card.settings.values) if (k !== "tel") settings.values.set(k, v)
        const noTel = await newCard(settings)
        expect(noTel.app.cert).toEqual(cert)
        histories.set("NOFOR-2", challenge("NOFOR-2"))
        noTel.sms.receive(3, "ACSIGN NOFOR-2")
        await noTel.app.step()
        expect([noTel.app.state, noTel.shown.at(-1)]).toEqual([CERT_IDLE, "NOT FOR THIS CARD"])
    })

    test("before the holder signs, the card fetches a fresh response: good, then revoked", async () => {
        const before = (await readSplit(card.settings, KEY_OCSP, nodeSha256)) as Buffer
        const cms = await signOnline(card, "ON-1", history("ON-1", PHONE))
        const now = (await readSplit(card.settings, KEY_OCSP, nodeSha256)) as Buffer
        expect(stapled(cms).ocsp).toEqual(now)
        expect(single(now, cert).certStatus.good).toBe(null)
        expect(single(now, cert).thisUpdate.getTime()).toBeGreaterThanOrEqual(single(before, cert).thisUpdate.getTime())

        const serial = Buffer.from(AsnConvert.parse(cert, Certificate).tbsCertificate.serialNumber).toString("hex")
        expect(ca.store.revoke(serial.replace(/^0+/, ""), 1)).toBe(true)
        const after = await signOnline(card, "ON-2", history("ON-2", PHONE))
        const revoked = (await readSplit(card.settings, KEY_OCSP, nodeSha256)) as Buffer
        expect(stapled(after).ocsp).toEqual(revoked)
        expect(single(revoked, cert).certStatus.revoked).toBeDefined()
        expect(single(revoked, cert).certStatus.good).toBeUndefined()
    })
})
