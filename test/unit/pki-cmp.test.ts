// The card's CMP client and CMS builder (src/certificate/) in Node: the shared cases (also run in
// the VM by test/vm/pki.test.ts), what the card builds parsed by the @peculiar/asn1-schema classes
// the CA itself uses (and by @peculiar/asn1-cms), and enrolment over HTTP against the real CA
// server: the good path, a wrong secret, a used reference, a tampered ip, a replayed certConf.

import { afterAll, describe, expect, test } from "vitest"
import { createHash, createPublicKey, verify } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import { ContentInfo, SignedData, id_signedData } from "@peculiar/asn1-cms"
import { CaServer } from "../../sim/ca/ca-server"
import { FailInfo, PBMParameter, PKIMessage, ProtectedPart, RawPKIMessage } from "../../sim/ca/cmp-asn1"
import { RawCertReqMsg, RawCertReqMessages } from "../../sim/ca/crmf-asn1"
import { RawIrBody } from "../../sim/ca/cmp-asn1"
import { pbmVerify, pbmParameters } from "../../sim/ca/pbm"
import { bytes } from "../../sim/ca/array-buffer"
import { CmpError, cmpIr, cmpReply, PBM_ITERATIONS, type CmpSession } from "../../src/certificate/cmp-client"
import { derTime } from "../../src/asn1/der"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { ed25519PublicKey } from "../../src/crypto/ed25519"
import { pkiCmpCases, pkiDerCases, type PkiVectors } from "../shared/pki-cases"
import { FIXED_SEED, historyText, makePkiVectors, nodeCmpPlatform, signer } from "../support/pki-vectors"

const logs: string[] = []
const dir = mkdtempSync(join(tmpdir(), "activecard-pki-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: (l) => logs.push(l) })
const v: PkiVectors = await makePkiVectors(ca)

afterAll(async () => {
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

const env = { platform: nodeCmpPlatform }

describe("PKI encoding cases in Node (also run in the VM)", () => {
    for (const c of pkiDerCases()) test(c.name, async () => c.run({ hmacSha256: nodeCmpPlatform.hmacSha256, yieldSlice: nodeCmpPlatform.yieldSlice }))
    for (const c of pkiCmpCases(v, env)) test(c.name, async () => c.run({ hmacSha256: nodeCmpPlatform.hmacSha256, yieldSlice: nodeCmpPlatform.yieldSlice }))
})

async function post(der: Buffer): Promise<Buffer> {
    const res = await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: der })
    expect(res.status).toBe(200)
    return Buffer.from(await res.arrayBuffer())
}

async function start(reference: string, secret: string, name = "Card Holder"): Promise<CmpSession> {
    return cmpIr(nodeCmpPlatform, reference, Buffer.from(secret), name, await ed25519PublicKey(FIXED_SEED), signer)
}

async function refusal(p: Promise<unknown>): Promise<CmpError> {
    const e = await p.then(
        () => null,
        (e) => e,
    )
    expect(e).toBeInstanceOf(CmpError)
    return e as CmpError
}

describe("what the card builds, read by the CA's schema classes", () => {
    test("ir: pvno 2, senderKID, 16-byte IDs, PasswordBasedMac SHA-256 x10000 HMAC-SHA-256 that verifies, Ed25519 POP over certReq", () => {
        const ir = Buffer.from(v.ir, "hex")
        const raw = AsnConvert.parse(ir, RawPKIMessage)
        expect(bytes(AsnConvert.serialize(raw))).toEqual(ir)
        const msg = AsnConvert.parse(ir, PKIMessage)
        const h = msg.header
        expect(h.pvno).toBe(2)
        expect(Buffer.from(h.senderKID as ArrayBuffer).toString()).toBe(v.reference)
        expect(h.transactionID?.byteLength).toBe(16)
        expect(h.senderNonce?.byteLength).toBe(16)
        expect(h.recipNonce).toBeUndefined()
        expect(h.sender.directoryName?.[0][0].value.toString()).toBe("Card Holder")
        const params = pbmParameters(h.protectionAlg as never)
        expect(params).toBeInstanceOf(PBMParameter)
        expect([params.owf.algorithm, params.iterationCount, params.mac.algorithm, params.salt.byteLength]).toEqual(["2.16.840.1.101.3.4.2.1", PBM_ITERATIONS, "1.2.840.113549.2.9", 16])
        const part = bytes(AsnConvert.serialize(new ProtectedPart({ header: raw.header, body: raw.body })))
        expect(pbmVerify(params, Buffer.from(v.secret), part, bytes(raw.protection?.value as ArrayBuffer))).toBe(true)
        expect(pbmVerify(params, Buffer.from(v.secret + "x"), part, bytes(raw.protection?.value as ArrayBuffer))).toBe(false)
        const req = msg.body.ir?.[0]
        expect(req?.certReq.certReqId).toBe(0)
        expect(req?.certReq.certTemplate.subject?.[0][0].value.toString()).toBe("Card Holder")
        expect(req?.popo?.signature?.algorithmIdentifier.algorithm).toBe("1.3.101.112")
        const certReq = bytes(AsnConvert.parse(bytes(AsnConvert.parse(raw.body, RawIrBody).ir?.[0] as ArrayBuffer), RawCertReqMsg).certReq)
        const spki = bytes(AsnConvert.serialize(req?.certReq.certTemplate.publicKey as never))
        const key = createPublicKey({ key: spki, format: "der", type: "spki" })
        expect(key.asymmetricKeyType).toBe("ed25519")
        expect(verify(null, certReq, key, bytes(req?.popo?.signature?.signature as ArrayBuffer))).toBe(true)
        expect(RawCertReqMessages).toBeDefined()
    })

    test("certConf: recipNonce = the CA's senderNonce, certHash = SHA-512 of the certificate, certReqId 0, same protection", () => {
        const ip = AsnConvert.parse(Buffer.from(v.ip, "hex"), PKIMessage)
        const conf = AsnConvert.parse(Buffer.from(v.certConf, "hex"), PKIMessage)
        expect(Buffer.from(conf.header.recipNonce as ArrayBuffer)).toEqual(Buffer.from(ip.header.senderNonce as ArrayBuffer))
        expect(Buffer.from(conf.header.transactionID as ArrayBuffer).toString("hex")).toBe(Buffer.from(ip.header.transactionID as ArrayBuffer).toString("hex"))
        const status = conf.body.certConf?.[0]
        expect(status?.certReqId).toBe(0)
        expect(status?.statusInfo).toBeUndefined()
        expect(Buffer.from(status?.certHash as ArrayBuffer)).toEqual(createHash("sha512").update(Buffer.from(v.certificate, "hex")).digest())
        expect(conf.body.certConf?.length).toBe(1)
    })

    test("the certificate the CA issued for the card's key: CN, Ed25519 key, good after pkiConf", () => {
        const cert = AsnConvert.parse(Buffer.from(v.certificate, "hex"), Certificate)
        expect(cert.tbsCertificate.subject[0][0].value.toString()).toBe("Card Holder")
        const serial = Buffer.from(cert.tbsCertificate.serialNumber).toString("hex")
        expect(ca.store.certificate(serial)?.status).toBe("good")
    })

    test("CMS: ContentInfo/SignedData v1 parsed by @peculiar/asn1-cms: digest SHA-512, id-data content, the certificate, one SignerInfo", () => {
        const cms = Buffer.from(v.cms, "hex")
        const info = AsnConvert.parse(cms, ContentInfo)
        expect(info.contentType).toBe(id_signedData)
        const sd = AsnConvert.parse(info.content, SignedData)
        expect(bytes(AsnConvert.serialize(info))).toEqual(cms)
        expect(sd.version).toBe(1)
        expect(sd.digestAlgorithms.map((a) => a.algorithm)).toEqual(["2.16.840.1.101.3.4.2.3"])
        expect(sd.encapContentInfo.eContentType).toBe("1.2.840.113549.1.7.1")
        expect(Buffer.from(sd.encapContentInfo.eContent?.single?.buffer as ArrayBuffer).toString("hex")).toBe(v.cmsContent)
        expect(bytes(AsnConvert.serialize(sd.certificates?.[0].certificate as Certificate)).toString("hex")).toBe(v.certificate)
        const si = sd.signerInfos[0]
        const cert = AsnConvert.parse(Buffer.from(v.certificate, "hex"), Certificate)
        expect(Buffer.from(si.sid.issuerAndSerialNumber?.serialNumber as ArrayBuffer)).toEqual(Buffer.from(cert.tbsCertificate.serialNumber))
        expect(si.signatureAlgorithm.algorithm).toBe("1.3.101.112")
        expect(si.signedAttrs?.map((a) => a.attrType)).toEqual(["1.2.840.113549.1.9.3", "1.2.840.113549.1.9.5", "1.2.840.113549.1.9.4"])
        const digest = si.signedAttrs?.[2].attrValues[0] as ArrayBuffer
        expect(Buffer.from(digest).subarray(2)).toEqual(createHash("sha512").update(Buffer.from(v.cmsContent, "hex")).digest())
        // The signature covers the attributes as a DER SET OF (tag 31 in place of the [0]).
        const attrs = Buffer.from(AsnConvert.serialize(si).slice(0))
        const at = attrs.indexOf(Buffer.from("a081", "hex"))
        const set = Buffer.concat([Buffer.from([0x31]), attrs.subarray(at + 1, at + 3 + attrs[at + 2])])
        const key = createPublicKey({ key: bytes(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo)), format: "der", type: "spki" })
        expect(verify(null, set, key, Buffer.from(si.signature.buffer))).toBe(true)
    })
})

describe("enrolment over HTTP against the CA server", () => {
    test("ir -> ip -> certConf -> pkiConf: certificate for the card's key, good", async () => {
        const r = ca.store.register("Alice Kim", "+821012345678")
        const s = await start(r.reference, r.secret, "Alice Kim")
        expect(await cmpReply(nodeCmpPlatform, s, await post(s.request))).toBe(false)
        expect(s.certificate).not.toBeNull()
        expect(await cmpReply(nodeCmpPlatform, s, await post(s.request))).toBe(true)
        const cert = AsnConvert.parse(s.certificate as Buffer, Certificate)
        expect(ca.store.certificate(Buffer.from(cert.tbsCertificate.serialNumber).toString("hex"))?.status).toBe("good")
        expect(ca.store.registration(r.reference)?.state).toBe("enrolled")
    })

    test("another subject than registered: grantedWithMods, accepted", async () => {
        const r = ca.store.register("Registered Name", "+821012345678")
        const s = await start(r.reference, r.secret, "Someone Else")
        expect(await cmpReply(nodeCmpPlatform, s, await post(s.request))).toBe(false)
        expect(await cmpReply(nodeCmpPlatform, s, await post(s.request))).toBe(true)
    })

    test("a wrong secret: the CA's error (unprotected) becomes CmpError badMessageCheck", async () => {
        const r = ca.store.register("Bob", "+821012345678")
        const s = await start(r.reference, r.secret + "x", "Bob")
        const e = await refusal(cmpReply(nodeCmpPlatform, s, await post(s.request)))
        expect(e.failInfo).toBe(FailInfo.badMessageCheck)
        expect(e.message).toContain("wrong secret")
        expect(s.certificate).toBeNull()
    })

    test("a used reference: CmpError notAuthorized", async () => {
        const e = await refusal(
            (async () => {
                const s = await start(v.reference, v.secret)
                await cmpReply(nodeCmpPlatform, s, await post(s.request))
            })(),
        )
        expect(e.failInfo).toBe(FailInfo.notAuthorized)
    })

    test("a tampered ip (a certificate byte, the MAC) is refused; the untouched one then completes", async () => {
        const r = ca.store.register("Carol", "+821012345678")
        const s = await start(r.reference, r.secret, "Carol")
        const ip = await post(s.request)
        for (const at of [ip.length - 40, ip.length - 200, ip.length - 400]) {
            const bad = Buffer.from(ip)
            bad[at] ^= 0x80
            await expect(cmpReply(nodeCmpPlatform, s, bad)).rejects.toThrow()
            expect(s.certificate).toBeNull()
        }
        expect(await cmpReply(nodeCmpPlatform, s, ip)).toBe(false)
        expect(await cmpReply(nodeCmpPlatform, s, await post(s.request))).toBe(true)
    })

    test("a certConf sent again after pkiConf: CmpError certConfirmed", async () => {
        const r = ca.store.register("Dave", "+821012345678")
        const s = await start(r.reference, r.secret, "Dave")
        await cmpReply(nodeCmpPlatform, s, await post(s.request))
        const conf = s.request
        expect(await cmpReply(nodeCmpPlatform, s, await post(conf))).toBe(true)
        const e = await refusal(cmpReply(nodeCmpPlatform, s, await post(conf)))
        expect([FailInfo.certConfirmed, FailInfo.notAuthorized]).toContain(e.failInfo)
    })

    test("no secret appears in the CA's log", () => {
        expect(logs.join("\n")).not.toContain(v.secret)
    })
})

test("CMS over a 1,024-byte history is byte-identical on a second run (deterministic Ed25519)", async () => {
    const cert = Buffer.from(v.certificate, "hex")
    const a = await cmsSignedData(historyText(1024), cert, derTime(2524608000, true), signer, async () => {})
    const b = await cmsSignedData(historyText(1024), cert, derTime(2524608000, true), signer, async () => {})
    expect(a).toEqual(b)
    // 2050: signingTime becomes a GeneralizedTime.
    expect(a.includes(Buffer.from("180f32303530303130313030303030305a", "hex"))).toBe(true)
})
