// The CA's status services on their own: OCSP answers good / revoked / unknown with the right
// CertID matching and the nonce echoed, signed by the CA key; malformed requests (random bytes,
// truncations, a broken GET path) get malformedRequest and the server goes on; the CRL is made
// anew only after a revocation, with a growing CRL number, and signed by the CA key. A client
// that drops the connection mid-request does not disturb the server.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto"
import { connect } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, CertificateList, CRLNumber, Extension } from "@peculiar/asn1-x509"
import { BasicOCSPResponse, CertID, id_pkix_ocsp_nonce, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest } from "@peculiar/asn1-ocsp"
import { CaServer } from "../../sim/ca/ca-server"
import { CRL_REASON } from "../../sim/ca/ca-store"
import { client, irBody, message, readReply } from "../support/cmp-client"

let dir: string
let ca: CaServer
let caCert: Certificate

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "activecard-ca-status-"))
    ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
    caCert = AsnConvert.parse(ca.ca.der, Certificate)
})

afterAll(async () => {
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

/** Enrols a fresh registration with implicit confirmation; returns the certificate. */
async function enrolled(): Promise<Certificate> {
    const r = ca.store.register("Status Holder", "+821012345678")
    const c = client(r.reference, r.secret)
    const res = await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: message(c, irBody(generateKeyPairSync("ed25519").privateKey), { implicitConfirm: true }) })
    const reply = readReply(c, Buffer.from(await res.arrayBuffer()))
    return AsnConvert.parse(reply.certificate as Buffer, Certificate)
}

function certId(cert: Certificate, hash = "sha1", issuer = caCert): CertID {
    const oid = hash === "sha1" ? "1.3.14.3.2.26" : "2.16.840.1.101.3.4.2.1"
    const h = (b: ArrayBuffer) => new OctetString(createHash(hash).update(Buffer.from(b)).digest())
    return new CertID({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: oid }), issuerNameHash: h(AsnConvert.serialize(issuer.tbsCertificate.subject)), issuerKeyHash: h(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey), serialNumber: cert.tbsCertificate.serialNumber })
}

async function ocsp(body: Buffer): Promise<OCSPResponse> {
    const res = await fetch(ca.baseUrl + "/ocsp", { method: "POST", headers: { "content-type": "application/ocsp-request" }, body })
    expect(res.status).toBe(200)
    return AsnConvert.parse(Buffer.from(await res.arrayBuffer()), OCSPResponse)
}

/** The statuses in a successful response, after checking its signature with the CA key. */
function statuses(r: OCSPResponse): { states: string[]; basic: BasicOCSPResponse } {
    expect(r.responseStatus).toBe(OCSPResponseStatus.successful)
    const basic = AsnConvert.parse(r.responseBytes?.response.buffer as ArrayBuffer, BasicOCSPResponse)
    const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(caCert.tbsCertificate.subjectPublicKeyInfo)), format: "der", type: "spki" })
    expect(verify(null, Buffer.from(AsnConvert.serialize(basic.tbsResponseData)), key, Buffer.from(basic.signature))).toBe(true)
    return { states: basic.tbsResponseData.responses.map((s) => (s.certStatus.good !== undefined ? "good" : s.certStatus.revoked !== undefined ? "revoked" : "unknown")), basic }
}

describe("OCSP responder", () => {
    test("good, revoked and unknown in one request (SHA-1 and SHA-256 CertIDs), nonce echoed", async () => {
        const a = await enrolled()
        const b = await enrolled()
        ca.store.revoke(Buffer.from(b.tbsCertificate.serialNumber).toString("hex"), CRL_REASON.superseded)
        const stranger = AsnConvert.parse(ca.ca.der, Certificate) // the CA's own serial: never issued by the desk
        const otherIssuer = await enrolled() // as if issued by another CA: the CertID's issuer hashes do not match
        const nonce = new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue: new OctetString(AsnConvert.serialize(new OctetString(randomBytes(16)))) })
        const req = new OCSPRequest({
            tbsRequest: new TBSRequest({
                requestList: [new Request({ reqCert: certId(a) }), new Request({ reqCert: certId(b, "sha256") }), new Request({ reqCert: certId(stranger) }), new Request({ reqCert: certId(otherIssuer, "sha1", a) })],
                requestExtensions: [nonce],
            }),
        })
        const { states, basic } = statuses(await ocsp(Buffer.from(AsnConvert.serialize(req))))
        expect(states).toEqual(["good", "revoked", "unknown", "unknown"])
        expect(basic.tbsResponseData.responses[1].certStatus.revoked?.revocationReason?.reason).toBe(CRL_REASON.superseded)
        expect(Buffer.from(basic.tbsResponseData.responseExtensions?.[0].extnValue.buffer as ArrayBuffer)).toEqual(Buffer.from(nonce.extnValue.buffer))
    })

    test("malformed requests get malformedRequest, over POST and GET, and the responder goes on", async () => {
        const cert = await enrolled()
        const good = Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId(cert) })] }) })))
        const bad = [Buffer.alloc(0), randomBytes(1), ...Array.from({ length: 30 }, () => randomBytes(1 + Math.floor(Math.random() * 300)))]
        for (let n = 1; n < good.length; n += 5) bad.push(good.subarray(0, n))
        for (const b of bad) expect((await ocsp(b)).responseStatus, b.toString("hex")).toBe(OCSPResponseStatus.malformedRequest)
        for (const path of ["/ocsp/%E0%A4%A", "/ocsp/!!!!", "/ocsp/"]) {
            const res = await fetch(ca.baseUrl + path)
            expect(AsnConvert.parse(Buffer.from(await res.arrayBuffer()), OCSPResponse).responseStatus).toBe(OCSPResponseStatus.malformedRequest)
        }
        const viaGet = await fetch(`${ca.baseUrl}/ocsp/${encodeURIComponent(good.toString("base64"))}`)
        expect(statuses(AsnConvert.parse(Buffer.from(await viaGet.arrayBuffer()), OCSPResponse)).states).toEqual(["good"])
    })
})

describe("CRL", () => {
    async function crl(): Promise<{ list: CertificateList; number: number }> {
        const res = await fetch(ca.baseUrl + "/crl")
        const list = AsnConvert.parse(Buffer.from(await res.arrayBuffer()), CertificateList)
        const key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(caCert.tbsCertificate.subjectPublicKeyInfo)), format: "der", type: "spki" })
        expect(verify(null, Buffer.from(AsnConvert.serialize(list.tbsCertList)), key, Buffer.from(list.signature))).toBe(true)
        const ext = list.tbsCertList.crlExtensions?.find((e) => e.extnID === "2.5.29.20") as Extension
        return { list, number: AsnConvert.parse(ext.extnValue.buffer, CRLNumber).value }
    }

    test("made anew only after a revocation, with a growing number, listing every revoked serial", async () => {
        const first = await crl()
        expect((await crl()).number).toBe(first.number)
        const cert = await enrolled()
        const serial = Buffer.from(cert.tbsCertificate.serialNumber).toString("hex")
        ca.store.revoke(serial, CRL_REASON.keyCompromise)
        const second = await crl()
        expect(second.number).toBe(first.number + 1)
        const listed = second.list.tbsCertList.revokedCertificates?.map((r) => Buffer.from(r.userCertificate).toString("hex"))
        expect(listed).toContain(serial)
        expect(listed?.length).toBe(ca.store.revokedCount())
    })
})

test("a client that drops its connection mid-request does not disturb the server", async () => {
    for (const partial of ["POST /pkix/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/pkixcmp\r\nContent-Length: 1000\r\n\r\n0123", "GARBAGE\r\n\r\n", "GET /crl HTTP/1.1\r\nHo"]) {
        await new Promise<void>((resolve) => {
            const s = connect(ca.port, "127.0.0.1", () => {
                s.write(partial)
                setTimeout(() => s.destroy(), 20)
            })
            s.on("close", () => resolve())
            s.on("error", () => resolve())
        })
    }
    expect((await fetch(ca.baseUrl + "/ca.cer")).status).toBe(200)
})
