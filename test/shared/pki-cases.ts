// The card's PKI encoding cases, written once and run twice: by vitest in Node
// (test/unit/pki-cmp.test.ts) and inside the DeviceScript VM (test/vm/programs/pki.ts). Portable
// code only.
//
// The DER writer's lengths and times, the reader's refusals (every malformed element is a
// FormatError), and one enrolment and one signature with fixed inputs: a fixed Ed25519 seed and a
// counting "random" source make the ir, the certConf and the CMS SignedData byte-exact, so the
// VM must produce the bytes Node produced (PkiVectors, made by test/support/pki-vectors.ts with
// the real CA answering), and so must the OCSP request for the certificate and the SignedData
// with the CA's OCSP response stapled. The CA's ip and pkiConf are replayed; a changed byte in the ip, a wrong
// secret, or a CMP error message each end the enrolment with the named error.

import type { CryptoCase } from "./crypto-cases"
import { children, derIsoTime, derTime, derUint, readDer, readSmallInt, readTlv, tbsFields, tlv, whole } from "../../src/asn1/der"
import { CmpError, cmpIr, cmpReply, type CmpPlatform, type CmpSession } from "../../src/certificate/cmp-client"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { checkOcspResponse, ocspRequest } from "../../src/certificate/ocsp-request"
import { ed25519PublicKey, ed25519Sign } from "../../src/crypto/ed25519"
import { copyOf, fromHex, fromUtf8, toHex } from "../../src/bytes"
import { FormatError } from "../../src/format-error"
import { countingRandom } from "./counting-random"

/** What Node made with the portable code and the real CA, replayed in the VM. */
export interface PkiVectors {
    seed: string
    reference: string
    secret: string
    name: string
    /** First byte of the counting random source. */
    randomStart: number
    ir: string
    ip: string
    certConf: string
    pkiConf: string
    /** A CMP error message from the CA (unprotected: wrong secret), with its failInfo bit. */
    error: string
    errorBit: number
    certificate: string
    cmsContent: string
    cmsTime: number
    cms: string
    /** The OCSP request for the certificate, the CA's answer, and the CMS with that answer stapled. */
    ocspRequest: string
    ocspResponse: string
    cmsStapled: string
}

export interface PkiEnv {
    platform: CmpPlatform
}


/** The platform `p` with the counting random source. */
export function fixedPlatform(p: CmpPlatform, start: number): CmpPlatform {
    return { sha256: p.sha256, hmacSha256: p.hmacSha256, yieldSlice: p.yieldSlice, randomBytes: countingRandom(start) }
}

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** The FormatError `f` throws. */
function formatRefusal(f: () => void): any {
    let err: any = null
    try {
        f()
    } catch (e) {
        err = e
    }
    if (err === null) throw new Error("accepted, expected a FormatError")
    if (!(err instanceof FormatError)) throw new Error("expected a FormatError, got " + err.name + ": " + err.message)
    return err
}

/** The error cmpReply throws for `der`: a CmpError, or (with `anyKind`) a FormatError too. */
async function replyRefusal(p: CmpPlatform, s: CmpSession, der: Buffer, anyKind: boolean): Promise<any> {
    let err: any = null
    try {
        await cmpReply(p, s, der)
    } catch (e) {
        err = e
    }
    if (err === null) throw new Error("accepted, expected a refusal")
    if (!(err instanceof CmpError) && !(anyKind && err instanceof FormatError)) throw new Error("unexpected " + err.name + ": " + err.message)
    return err
}

/** Malformed elements the reader refuses, read as the whole of the buffer. */
export const DER_REFUSED: string[] = [
    "", // nothing
    "30", // no length
    "3004020100", // content past the end
    "3080020100 0000", // indefinite length
    "30810102 01 00", // long form for a short length
    "3082000302 0100", // leading zero length byte
    "3084000000030201 00", // over-long length field
    "1f0100", // multi-byte tag
    "300302010000", // a byte after the element
    "30850000000003020100", // five length bytes
]

/** The same content read with the long forms DER allows. */
function longLength(n: number): string {
    const body = Buffer.alloc(n)
    for (let i = 0; i < n; i++) body[i] = i & 0xff
    return toHex(tlv(0x04, [body]))
}

export function pkiDerCases(): CryptoCase[] {
    const cases: CryptoCase[] = []
    cases.push({
        name: "DER: lengths in the fewest bytes (0, 127, 128, 255, 256, 4000)",
        run: () => {
            eq(tlv(0x04, []), "0400", "empty")
            const heads = ["047f", "048180", "0481ff", "04820100", "04820fa0"]
            const sizes = [127, 128, 255, 256, 4000]
            for (let i = 0; i < sizes.length; i++) {
                const h = longLength(sizes[i])
                ok(h.slice(0, heads[i].length) === heads[i], "head of " + sizes[i] + ": " + h.slice(0, 10))
                const t = readDer(fromHex(h), 0x04)
                ok(t.end - t.body === sizes[i], "read back " + sizes[i])
            }
        },
    })
    cases.push({
        name: "DER: INTEGER from bytes (leading zeros dropped, sign byte added) and read back",
        run: () => {
            eq(derUint(fromHex("0000")), "020100", "zero")
            eq(derUint(fromHex("007f")), "02017f", "7f")
            eq(derUint(fromHex("80")), "02020080", "80")
            eq(derUint(fromHex("00000100")), "02020100", "256")
            const b = fromHex("02017f")
            ok(readSmallInt(b, readDer(b, 0x02)) === 127, "127")
        },
    })
    cases.push({
        name: "DER: INTEGERs refused as small (negative, two bytes, empty, not INTEGER)",
        run: () => {
            const bad = ["0201ff", "0202007f", "02020100", "0200", "040100"]
            bad.forEach((h) => {
                const b = fromHex(h)
                formatRefusal(() => {
                    readSmallInt(b, readTlv(b, 0, b.length, -1))
                })
            })
        },
    })
    cases.push({
        name: "DER: times (UTCTime 1950..2049, GeneralizedTime outside, leap days)",
        run: () => {
            eq(derTime(0, true), toHex(tlv(0x17, [fromUtf8("700101000000Z")])), "epoch")
            eq(derTime(951782400, true), toHex(tlv(0x17, [fromUtf8("000229000000Z")])), "2000-02-29")
            eq(derTime(1709251199, false), toHex(tlv(0x18, [fromUtf8("20240229235959Z")])), "2024-02-29 GeneralizedTime")
            eq(derTime(2524607999, true), toHex(tlv(0x17, [fromUtf8("491231235959Z")])), "2049-12-31")
            eq(derTime(2524608000, true), toHex(tlv(0x18, [fromUtf8("20500101000000Z")])), "2050-01-01")
            eq(derTime(-631152001, true), toHex(tlv(0x18, [fromUtf8("19491231235959Z")])), "1949-12-31")
            eq(derTime(4107542400, true), toHex(tlv(0x18, [fromUtf8("21000301000000Z")])), "2100-03-01")
            eq(derIsoTime("2000-02-29T00:00:00Z"), toHex(derTime(951782400, true)), "2000-02-29 from its text")
            eq(derIsoTime("2049-12-31T23:59:59Z"), toHex(derTime(2524607999, true)), "2049-12-31 from its text")
            eq(derIsoTime("2050-01-01T00:00:00Z"), toHex(derTime(2524608000, true)), "2050-01-01 from its text")
            eq(derIsoTime("1949-12-31T23:59:59Z"), toHex(derTime(-631152001, true)), "1949-12-31 from its text")
        },
    })
    cases.push({
        name: "DER: " + DER_REFUSED.length + " malformed elements refused with FormatError",
        run: () => {
            DER_REFUSED.forEach((h, i) => {
                const b = fromHex(h.split(" ").join(""))
                let e: any = null
                try {
                    e = formatRefusal(() => {
                        children(b, readDer(b, -1))
                    })
                } catch (x: any) {
                    throw new Error("case " + i + ": " + x.message)
                }
                ok(e.message.slice(0, 4) === "DER:", "case " + i + " message " + e.message)
            })
        },
    })
    cases.push({
        name: "DER: a nested element may not run past its parent",
        run: () => {
            const b = fromHex("3003040201ff")
            formatRefusal(() => {
                children(b, readTlv(b, 0, b.length, 0x30))
            })
        },
    })
    return cases
}

export function pkiCmpCases(v: PkiVectors, env: PkiEnv): CryptoCase[] {
    const seed = fromHex(v.seed)
    const sign = async (m: Buffer) => await ed25519Sign(seed, m, env.platform.yieldSlice)
    /** A session whose ir is the vector's. */
    // One ir (a PasswordBasedMac key and a signature: seconds in the VM's test mode) for all cases:
    // each gets a copy of the session and a random source continuing after the ir's 48 bytes.
    let first: CmpSession | null = null
    async function start() {
        if (first === null) {
            const publicKey = await ed25519PublicKey(seed, env.platform.yieldSlice)
            first = await cmpIr(fixedPlatform(env.platform, v.randomStart), v.reference, fromUtf8(v.secret), v.name, publicKey, sign)
        }
        const f = first
        const s: CmpSession = { secret: f.secret, kid: f.kid, tid: f.tid, nonce: f.nonce, sender: f.sender, spki: f.spki, protectionAlg: f.protectionAlg, key: f.key, request: f.request, certificate: null }
        return { p: fixedPlatform(env.platform, v.randomStart + 48), s: s }
    }
    const cases: CryptoCase[] = []
    cases.push({
        name: "CMP: ir, ip -> certConf, pkiConf with fixed inputs: the bytes Node made",
        run: async () => {
            const c = await start()
            eq(c.s.request, v.ir, "ir")
            ok((await cmpReply(c.p, c.s, fromHex(v.ip))) === false, "ip answered with a certConf")
            eq(c.s.request, v.certConf, "certConf")
            eq(c.s.certificate === null ? Buffer.alloc(0) : c.s.certificate, v.certificate, "certificate")
            ok((await cmpReply(c.p, c.s, fromHex(v.pkiConf))) === true, "pkiConf ends the enrolment")
        },
    })
    cases.push({
        name: "CMP: an ip with any of 8 bytes changed is refused (FormatError or CmpError)",
        run: async () => {
            const ip = fromHex(v.ip)
            // A byte of the header, of the body (certificate), and of the MAC.
            const at = [1, 20, 60, ip.length >> 2, ip.length >> 1, ip.length - 100, ip.length - 33, ip.length - 1]
            for (let i = 0; i < at.length; i++) {
                const c = await start()
                const bad = copyOf(ip)
                bad[at[i]] ^= 0x01
                await replyRefusal(c.p, c.s, bad, true)
            }
        },
    })
    cases.push({
        name: "CMP: the ip under another secret does not verify (CmpError badMessageCheck)",
        run: async () => {
            const c = await start()
            c.s.secret = fromUtf8(v.secret + "x")
            const e = await replyRefusal(c.p, c.s, fromHex(v.ip), false)
            ok(e.failInfo === 1, "failInfo " + e.failInfo)
            ok(c.s.certificate === null, "no certificate kept")
        },
    })
    cases.push({
        name: "CMP: the ip replayed to another transaction is refused (transactionID, recipNonce)",
        run: async () => {
            const c = await start()
            c.s.tid = copyOf(c.s.tid)
            c.s.tid[0] ^= 1
            const e = await replyRefusal(c.p, c.s, fromHex(v.ip), false)
            ok(e.failInfo === 2, "failInfo " + e.failInfo)
            const d = await start()
            d.s.nonce = copyOf(d.s.nonce)
            d.s.nonce[15] ^= 1
            const f = await replyRefusal(d.p, d.s, fromHex(v.ip), false)
            ok(f.failInfo === 13, "failInfo " + f.failInfo)
        },
    })
    cases.push({
        name: "CMP: a pkiConf in place of the ip is refused",
        run: async () => {
            const c = await start()
            await replyRefusal(c.p, c.s, fromHex(v.pkiConf), true)
            ok(c.s.certificate === null, "no certificate kept")
        },
    })
    cases.push({
        name: "CMP: an (unprotected) error message is a CmpError with its failInfo and text",
        run: async () => {
            const c = await start()
            const e = await replyRefusal(c.p, c.s, fromHex(v.error), false)
            ok(e.failInfo === v.errorBit, "failInfo " + e.failInfo + " expected " + v.errorBit)
            ok(e.message.indexOf("status 2") >= 0 && e.message.length > 30, "message " + e.message)
            ok(c.s.certificate === null, "no certificate kept")
        },
    })
    cases.push({
        name: "CMS: SignedData over the history with fixed inputs: the bytes Node made",
        run: async () => {
            const cms = await cmsSignedData(fromHex(v.cmsContent), fromHex(v.certificate), derTime(v.cmsTime, true), sign, env.platform.yieldSlice)
            eq(cms, v.cms, "SignedData")
        },
    })
    cases.push({
        name: "OCSP: the request for the certificate (SHA-1 CertID): the bytes Node made; the CA's answer kept",
        run: () => {
            eq(ocspRequest(fromHex(v.certificate)), v.ocspRequest, "OCSPRequest")
            checkOcspResponse(fromHex(v.ocspResponse))
            formatRefusal(() => {
                checkOcspResponse(fromHex("30030a0106"))
            })
        },
    })
    cases.push({
        name: "CMS: SignedData with the OCSP response stapled (version 5, crls other): the bytes Node made",
        run: async () => {
            const cms = await cmsSignedData(fromHex(v.cmsContent), fromHex(v.certificate), derTime(v.cmsTime, true), sign, env.platform.yieldSlice, fromHex(v.ocspResponse))
            eq(cms, v.cmsStapled, "SignedData")
        },
    })
    cases.push({
        name: "X.509: issuer and serial read from the certificate",
        run: () => {
            const cert = fromHex(v.certificate)
            const f = tbsFields(cert)
            ok(f[0].tag === 0x02 && whole(cert, f[0]).length >= 3, "serial")
            ok(toHex(whole(cert, f[2])).indexOf(toHex(fromUtf8("activecard Demo CA"))) > 0, "issuer names the CA")
        },
    })
    return cases
}
