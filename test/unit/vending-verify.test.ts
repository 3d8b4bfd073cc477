// The vending machine's offline verification (src/vending/) against the real CA (sim/ca): every
// outcome of verifySale on real certificates, CMS signatures, OCSP responses and CRLs
// (test/support/vending-fixtures.ts), with node:crypto and with the bytecode crypto; the parsers
// cross-checked with the @peculiar/asn1-* schemas; the challenge's lines; and a fuzz run in which
// only the named errors may escape.

import { afterAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate, CertificateList, KeyUsage } from "@peculiar/asn1-x509"
import { BasicOCSPResponse, OCSPResponse } from "@peculiar/asn1-ocsp"
import { ContentInfo, id_signedData, OtherRevocationInfoFormat, SignedData } from "@peculiar/asn1-cms"
import { CaServer } from "../../sim/ca/ca-server"
import { FormatError } from "../../src/format-error"
import { buildChallenge, isoTime } from "../../src/vending/challenge"
import { parseHistory } from "../../src/certificate/transaction-history"
import { parseCardCms } from "../../src/vending/cms-verify"
import { verifyCrl } from "../../src/vending/crl-status"
import { OCSP_GOOD, verifyOcsp } from "../../src/vending/ocsp-status"
import { DEFAULT_POLICY, verifySale } from "../../src/vending/offline-verifier"
import { bytecodeVendingCrypto } from "../../src/vending/vending-crypto"
import { MALFORMED, VendingRefusal } from "../../src/vending/vending-refusal"
import { parseCardCertificate } from "../../src/vending/x509-card-certificate"
import { cardCms, enrolCard, fetchCrl, fetchOcsp, makeVendingFixtures, nodeVendingCrypto, OFFER, trustOf, type VendingCase } from "../support/vending-fixtures"

const dir = mkdtempSync(join(tmpdir(), "activecard-vending-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const other = await CaServer.start({ dataDir: join(dir, "other"), port: 0, log: () => {} })
const trust = trustOf(ca)
const fixtures = await makeVendingFixtures(ca, other)

afterAll(async () => {
    await ca.stop()
    await other.stop()
    rmSync(dir, { recursive: true, force: true })
})

/** verifySale's answer to a case: "0 serial|holder|phone" or the refusal's code and text. */
async function outcome(c: VendingCase, crypto = nodeVendingCrypto): Promise<string> {
    try {
        const h = await verifySale(Buffer.from(c.cms, "hex"), Buffer.from(c.challenge, "hex"), trust, c.now, c.crl, { maxStatusAgeSeconds: c.maxStatusAgeSeconds }, crypto)
        return `0 ${h.serial}|${h.holder}|${h.phone}`
    } catch (e) {
        if (!(e instanceof VendingRefusal)) throw e
        expect(e.text.length).toBeLessThanOrEqual(21)
        return `${e.code} ${e.text}`
    }
}

describe("verifySale on real objects from the CA", () => {
    test("the fixtures cover every refusal code and acceptance", () => {
        expect(new Set(fixtures.cases.map((c) => c.code))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))
    })
    for (const c of fixtures.cases) {
        test(`${c.name}: ${c.code === 0 ? "accepted" : "refused " + c.code}`, async () => {
            const got = await outcome(c)
            expect(got.split(" ")[0], got).toBe(String(c.code))
            if (c.code === 0) expect(got).toBe(`0 ${c.holder}`)
        })
    }
    test("the bytecode crypto gives the same outcomes (accepted, wrong CA, bad signature, revoked)", async () => {
        const crypto = bytecodeVendingCrypto(async () => {})
        for (const i of [0, 8, 13, fixtures.cases.length - 5]) {
            const c = fixtures.cases[i]
            expect((await outcome(c, crypto)).split(" ")[0], c.name).toBe(String(c.code))
        }
    })
})

describe("the parsers agree with @peculiar/asn1-*", () => {
    test("certificate fields", async () => {
        const card = await enrolCard(ca, "Carol Holder", "+821077778888")
        const c = parseCardCertificate(card.certificate)
        const p = AsnConvert.parse(card.certificate, Certificate)
        const tbs = p.tbsCertificate
        expect(c.serialHex).toBe(Buffer.from(tbs.serialNumber).toString("hex").replace(/^00/, ""))
        expect(c.issuer).toEqual(Buffer.from(AsnConvert.serialize(tbs.issuer)))
        expect(c.subject).toEqual(Buffer.from(AsnConvert.serialize(tbs.subject)))
        expect(c.tbs).toEqual(Buffer.from(AsnConvert.serialize(tbs)))
        expect(c.notBefore * 1000).toBe(tbs.validity.notBefore.getTime().valueOf())
        expect(c.notAfter * 1000).toBe(tbs.validity.notAfter.getTime().valueOf())
        expect(c.publicKey).toEqual(Buffer.from(tbs.subjectPublicKeyInfo.subjectPublicKey))
        expect(c.signature).toEqual(Buffer.from(p.signatureValue))
        const ku = AsnConvert.parse(tbs.extensions?.find((e) => e.extnID === "2.5.29.15")?.extnValue.buffer as ArrayBuffer, KeyUsage)
        expect(c.keyUsage).toBe(1) // digitalSignature only
        expect(ku.toJSON()).toEqual(["digitalSignature"])
        expect(c.holder).toBe("Carol Holder")
        expect(c.phone).toBe("+821077778888")
    })

    test("stapled CMS: @peculiar/asn1-cms reads the RFC 5940 choice and the same fields", async () => {
        const card = await enrolCard(ca, "Dan Holder", "+821099990000")
        const ocsp = await fetchOcsp(ca, card.certificate)
        const content = buildChallenge(OFFER, 1767225600, Buffer.alloc(12, 7))
        const cms = await cardCms(card, content, 1767225600, ocsp)
        const ci = AsnConvert.parse(cms, ContentInfo)
        expect(ci.contentType).toBe(id_signedData)
        const sd = AsnConvert.parse(ci.content, SignedData)
        const other = sd.crls?.[0].other as OtherRevocationInfoFormat
        expect(other.otherRevInfoFormat).toBe("1.3.6.1.5.5.7.16.2")
        expect(Buffer.from(other.otherRevInfo)).toEqual(ocsp)
        const m = parseCardCms(cms)
        expect(m.ocsp).toEqual(ocsp)
        expect(m.content).toEqual(Buffer.from(sd.encapContentInfo.eContent?.single?.buffer as ArrayBuffer))
        expect(m.signature).toEqual(Buffer.from(sd.signerInfos[0].signature.buffer))
        expect(m.certificate).toEqual(card.certificate)
        // Without the staple: the card's plain shape.
        expect(parseCardCms(await cardCms(card, content, 1767225600, null)).ocsp).toBeNull()
    })

    test("OCSP response and CRL", async () => {
        const card = await enrolCard(ca, "Erin Holder", "+821012121212")
        const der = await fetchOcsp(ca, card.certificate)
        const c = parseCardCertificate(card.certificate)
        const s = await verifyOcsp(der, trust, c.serial, nodeVendingCrypto)
        const basic = AsnConvert.parse(AsnConvert.parse(der, OCSPResponse).responseBytes?.response.buffer as ArrayBuffer, BasicOCSPResponse)
        const single = basic.tbsResponseData.responses[0]
        expect(s.status).toBe(OCSP_GOOD)
        expect(single.certStatus.good).not.toBeUndefined()
        expect(s.producedAt * 1000).toBe(basic.tbsResponseData.producedAt.getTime())
        expect(s.thisUpdate * 1000).toBe(single.thisUpdate.getTime())
        expect(s.nextUpdate * 1000).toBe(single.nextUpdate?.getTime())
        ca.store.revoke(c.serialHex, 4)
        const crlDer = await fetchCrl(ca)
        const list = await verifyCrl(crlDer, trust, nodeVendingCrypto)
        const p = AsnConvert.parse(crlDer, CertificateList).tbsCertList
        expect(list.serials).toEqual((p.revokedCertificates ?? []).map((r) => Buffer.from(r.userCertificate).toString("hex").replace(/^00/, "")))
        expect(list.serials).toContain(c.serialHex)
        expect(list.nextUpdate * 1000).toBe(p.nextUpdate?.getTime().getTime())
        expect(list.thisUpdate * 1000).toBe(p.thisUpdate.getTime().getTime())
        // The other CA's CRL is refused; so is a CRL with one flipped signature bit.
        await expect(verifyCrl(await fetchCrl(other), trust, nodeVendingCrypto)).rejects.toThrow(VendingRefusal)
        const bad = Buffer.from(crlDer)
        bad[bad.length - 1] ^= 1
        await expect(verifyCrl(bad, trust, bytecodeVendingCrypto(async () => {}))).rejects.toThrow(/BAD STATUS/)
    })
})

describe("the challenge", () => {
    test("its lines: magic, ID, BY, AT, item, price; no FOR; a history the card parses", () => {
        const nonce = Buffer.from("00112233445566778899aabb", "hex")
        const b = buildChallenge(OFFER, 1767225600 + 3723, nonce)
        const lines = b.toString("latin1").split("\n")
        expect(lines).toEqual(["ACTIVECARD HISTORY 1", "ID 00112233445566778899aabb", "BY VENDING VM000001", "AT 2026-01-01T01:02:03Z", "- ITEM 12 Cola 500ml", "- PRICE 1500 KRW", ""])
        // The card parses it as a history without FOR, and shows it as the machine made it.
        expect(parseHistory(b)).toEqual({ id: "00112233445566778899aabb", by: "VENDING VM000001", at: "2026-01-01T01:02:03Z", phone: "", lines: ["ITEM 12 Cola 500ml", "PRICE 1500 KRW"] })
        expect(isoTime(951782400)).toBe("2000-02-29T00:00:00Z")
        expect(isoTime(0)).toBe("1970-01-01T00:00:00Z")
    })
    test("the fixture's challenge is rebuilt from its time and nonce", () => {
        expect(buildChallenge(OFFER, fixtures.challengeTime, Buffer.from(fixtures.challengeNonce, "hex")).toString("hex")).toBe(fixtures.challenge)
    })
    test("out-of-format offers are FormatErrors", () => {
        const nonce = Buffer.alloc(12)
        expect(() => buildChallenge({ ...OFFER, item: " Cola" }, 0, nonce)).toThrow(FormatError)
        expect(() => buildChallenge({ ...OFFER, item: "x".repeat(57) }, 0, nonce)).toThrow(FormatError)
        expect(() => buildChallenge({ ...OFFER, item: "x".repeat(56) }, 0, nonce)).not.toThrow()
        expect(() => buildChallenge({ ...OFFER, slot: "1a" }, 0, nonce)).toThrow(FormatError)
        expect(() => buildChallenge({ ...OFFER, price: 1.5 }, 0, nonce)).toThrow(FormatError)
        expect(() => buildChallenge(OFFER, 0, Buffer.alloc(11))).toThrow(FormatError)
        expect(() => buildChallenge(OFFER, -1, nonce)).toThrow(FormatError)
    })
})

/** A deterministic xorshift source, so a failing input can be found again. */
function rng(seed: number): () => number {
    let s = seed >>> 0 || 1
    return () => {
        s ^= s << 13
        s >>>= 0
        s ^= s >>> 17
        s ^= s << 5
        s >>>= 0
        return s / 4294967296
    }
}

/** One mutation of `b`: flipped or replaced bytes, a truncation, an insertion, a deleted span. */
function mutate(b: Buffer, r: () => number): Buffer {
    const n = b.length
    const pick = () => Math.floor(r() * n)
    switch (Math.floor(r() * 6)) {
        case 0: {
            const c = Buffer.from(b)
            for (let k = 1 + Math.floor(r() * 3); k > 0; k--) c[pick()] ^= 1 << Math.floor(r() * 8)
            return c
        }
        case 1: {
            const c = Buffer.from(b)
            c[pick()] = Math.floor(r() * 256)
            return c
        }
        case 2:
            return b.subarray(0, pick())
        case 3: {
            const at = pick()
            return Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), b.subarray(at)])
        }
        case 4: {
            const at = pick()
            return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(n, at + 1 + Math.floor(r() * 8)))])
        }
        default: {
            // A length or tag byte near a structure boundary: set to a boundary value.
            const c = Buffer.from(b)
            c[pick()] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff, 0x30, 0xa0][Math.floor(r() * 10)]
            return c
        }
    }
}

describe("fuzz: only named errors escape", () => {
    test("100,000 mutated CMS, OCSP, CRL and certificate inputs", async () => {
        const r = rng(0x5eed)
        const accepted = fixtures.cases[0]
        const cms = Buffer.from(accepted.cms, "hex")
        const challenge = Buffer.from(accepted.challenge, "hex")
        const m = parseCardCms(cms)
        const cert = parseCardCertificate(m.certificate)
        const ocsp = m.ocsp as Buffer
        const crl = await fetchCrl(ca)
        const counts: Record<string, number> = {}
        const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1)
        const named = (e: unknown) => {
            if (e instanceof VendingRefusal) return count("refusal " + e.code)
            if (e instanceof FormatError) return count("FormatError")
            throw e
        }
        for (let i = 0; i < 60_000; i++) {
            const input = mutate(cms, r)
            try {
                await verifySale(input, challenge, trust, accepted.now, null, DEFAULT_POLICY, nodeVendingCrypto)
                count(input.equals(cms) ? "unchanged, accepted" : "changed, accepted")
            } catch (e) {
                if (!(e instanceof VendingRefusal)) throw new Error(`escaped on ${input.toString("hex")}: ${e}`)
                count("refusal " + e.code)
            }
        }
        for (let i = 0; i < 15_000; i++) {
            const input = mutate(ocsp, r)
            try {
                await verifyOcsp(input, trust, cert.serial, nodeVendingCrypto)
                count(input.equals(ocsp) ? "unchanged OCSP" : "changed OCSP, verified")
            } catch (e) {
                named(e)
            }
        }
        for (let i = 0; i < 15_000; i++) {
            const input = mutate(crl, r)
            try {
                await verifyCrl(input, trust, nodeVendingCrypto)
                count(input.equals(crl) ? "unchanged CRL" : "changed CRL, verified")
            } catch (e) {
                named(e)
            }
        }
        for (let i = 0; i < 10_000; i++) {
            try {
                parseCardCertificate(mutate(m.certificate, r))
                count("cert parsed")
            } catch (e) {
                named(e)
            }
        }
        console.log("vending fuzz outcomes:", JSON.stringify(counts))
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(100_000)
        expect(counts["refusal " + MALFORMED]).toBeGreaterThan(10_000)
        // A changed input never passes a signature check.
        expect(counts["changed, accepted"] ?? 0).toBe(0)
        expect(counts["changed OCSP, verified"] ?? 0).toBe(0)
        expect(counts["changed CRL, verified"] ?? 0).toBe(0)
    }, 300_000)
})
