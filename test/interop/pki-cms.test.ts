// Interoperability of the card's CMS SignedData (src/certificate/cms-signed-data.ts) with stock
// tools: the card's key enrols with the portable CMP client against the CA, signs a 500-byte
// history, and a stock verifier checks the signature with the CA certificate alone (the signer's
// certificate travels in the message), with the content embedded and given detached. A flipped byte
// in the content, the signed attributes or the signature, or another CA, fails.
//
// The verifier is GnuTLS (`certtool --p7-verify`), which implements RFC 8419. OpenSSL has no
// Ed25519 in CMS up to at least 3.6 (openssl/openssl#11915, #32248): `openssl cms -verify` stops at
// "eddsa_digest_signverify_init: invalid digest" for any Ed25519 SignerInfo, its own included. It
// still parses the structure (`-cmsout -print`), it verifies each step of the CMS verification on
// its own (chain, message digest, Ed25519 over the signed attributes), and its `cms -verify` test
// runs where an OpenSSL without that limitation is installed. Each suite skips, saying so, when
// its tool is missing.

import { afterAll, describe, expect, test } from "vitest"
import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { CaServer } from "../../sim/ca/ca-server"
import { CA_CERT_FILE } from "../../sim/ca/ca-data"
import { derTime } from "../../src/asn1/der"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { historyText, makePkiVectors, signer } from "../support/pki-vectors"

const run = promisify(execFile)

async function tool(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
    try {
        const r = await run(cmd, args, { timeout: 20_000, encoding: "latin1" })
        return { code: 0, out: r.stdout + r.stderr }
    } catch (e) {
        const err = e as { code?: number | string; stdout?: string; stderr?: string }
        return { code: typeof err.code === "number" ? err.code : 1, out: (err.stdout ?? "") + (err.stderr ?? "") }
    }
}

function has(cmd: string, args: string[]): boolean {
    try {
        execFileSync(cmd, args, { stdio: "pipe" })
        return true
    } catch {
        return false
    }
}

const hasCerttool = has("certtool", ["--version"])
const hasOpenssl = has("openssl", ["version"])

const dir = mkdtempSync(join(tmpdir(), "activecard-pki-cms-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const v = await makePkiVectors(ca)
const caPem = join(dir, "ca", CA_CERT_FILE)
const content = historyText(500)
const cms = await cmsSignedData(content, Buffer.from(v.certificate, "hex"), derTime(Math.floor(Date.now() / 1000), true), signer, async () => {})
let n = 0

afterAll(async () => {
    await ca.stop()
    rmSync(dir, { recursive: true, force: true })
})

function file(b: Buffer | string): string {
    const f = join(dir, `f${n++}`)
    writeFileSync(f, b)
    return f
}

function flipped(b: Buffer, at: number): Buffer {
    const c = Buffer.from(b)
    c[at] ^= 0x01
    return c
}

/** certtool --p7-verify of `sig` against `caFile`, with `detached` as the data when given. */
function gnutlsVerify(sig: Buffer, detached?: Buffer, caFile = caPem) {
    const args = ["--p7-verify", "--inder", "--infile", file(sig), "--load-ca-certificate", caFile]
    if (detached) args.push("--load-data", file(detached))
    return tool("certtool", args)
}

/** Offsets of a byte in the content, in the signed attributes (signingTime) and in the signature. */
const tampered = [cms.indexOf(content) + 100, cms.indexOf(Buffer.from("06092a864886f70d010905", "hex")) + 20, cms.length - 1]

describe.skipIf(!hasCerttool)("GnuTLS certtool --p7-verify accepts what the card signs", () => {
    test("embedded content: signature ok under the CA certificate, signer = the card's certificate", async () => {
        const r = await gnutlsVerify(cms)
        expect(r.out).toContain("Signature status: ok")
        expect(r.out).toContain("EdDSA-Ed25519")
        expect(r.code, r.out).toBe(0)
    })

    test("the same content given detached also verifies", async () => {
        const r = await gnutlsVerify(cms, content)
        expect(r.code, r.out).toBe(0)
    })

    test("a flipped byte in the content, the signed attributes or the signature fails", async () => {
        for (const at of tampered) {
            const r = await gnutlsVerify(flipped(cms, at))
            expect(r.code, `byte ${at}: ${r.out}`).not.toBe(0)
            expect(r.out).not.toContain("Signature status: ok")
        }
        expect((await gnutlsVerify(cms, flipped(content, 7))).code).not.toBe(0)
    })

    test("another CA's certificate as trust anchor fails", async () => {
        const key = join(dir, "other.key")
        const cert = join(dir, "other.pem")
        expect((await tool("openssl", ["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", key, "-subj", "/O=activecard/CN=activecard Demo CA", "-days", "2", "-out", cert])).code).toBe(0)
        const r = await gnutlsVerify(cms, undefined, cert)
        expect(r.code, r.out).not.toBe(0)
    })
})

describe.skipIf(!hasOpenssl)("OpenSSL", () => {
    test("openssl cms -cmsout -print reads the structure: SHA-512, Ed25519, the signed attributes", async () => {
        const r = await tool("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", file(cms)])
        expect(r.code, r.out).toBe(0)
        for (const s of ["sha512", "ED25519", "contentType", "signingTime", "messageDigest", "activecard Demo CA"]) expect(r.out).toContain(s)
    })

    test("openssl cms -verify (where this OpenSSL has Ed25519 in CMS)", async (ctx) => {
        const out = join(dir, "content.out")
        const r = await tool("openssl", ["cms", "-verify", "-inform", "DER", "-in", file(cms), "-CAfile", caPem, "-binary", "-out", out])
        if (/eddsa_digest_signverify_init:invalid digest|operation not supported for this keytype/.test(r.out)) {
            ctx.skip(`${execFileSync("openssl", ["version"]).toString().trim()} has no Ed25519 in CMS`)
        }
        expect(r.out).toContain("Verification successful")
        expect(readFileSync(out)).toEqual(content)
        for (const at of tampered) {
            const bad = await tool("openssl", ["cms", "-verify", "-inform", "DER", "-in", file(flipped(cms, at)), "-CAfile", caPem, "-binary", "-out", out])
            expect(bad.code).not.toBe(0)
        }
    })
})

/** One element of `openssl asn1parse` output: where it starts, its header and content lengths, what it is. */
interface Parsed {
    offset: number
    header: number
    length: number
    text: string
}

function asn1parse(out: string): Parsed[] {
    const list: Parsed[] = []
    for (const line of out.split("\n")) {
        const m = /^\s*(\d+):d=\s*\d+\s+hl=\s*(\d+)\s+l=\s*(\d+)\s+(.*)$/.exec(line)
        if (m) list.push({ offset: Number(m[1]), header: Number(m[2]), length: Number(m[3]), text: m[4] })
    }
    return list
}

// The steps `openssl cms -verify` would take (RFC 5652 5.4 and 5.6, RFC 8419 3), each done by a stock
// OpenSSL command: the certificate chain (`verify`), the message digest (`dgst -sha512`) and the
// Ed25519 signature over the DER of the signed attributes (`pkeyutl -verify -rawin`). Node only
// cuts the bytes at the offsets `asn1parse` reports and puts back the SET tag (RFC 5652 5.4).
describe.skipIf(!hasOpenssl)("OpenSSL, step by step", () => {
    async function verifySteps(sig: Buffer): Promise<{ chain: boolean; digest: boolean; signature: boolean }> {
        const der = file(sig)
        const parsed = asn1parse((await tool("openssl", ["asn1parse", "-inform", "DER", "-in", der])).out)
        const certs = await tool("openssl", ["pkcs7", "-inform", "DER", "-in", der, "-print_certs"])
        const cardPem = file(certs.out.slice(certs.out.indexOf("-----BEGIN CERTIFICATE-----")))
        const chain = (await tool("openssl", ["verify", "-CAfile", caPem, cardPem])).code === 0
        const pub = file((await tool("openssl", ["x509", "-in", cardPem, "-pubkey", "-noout"])).out)
        const attrs = parsed.filter((p) => p.text.includes("cont [ 0 ]")).pop()!
        const signedAttrs = Buffer.from(sig.subarray(attrs.offset, attrs.offset + attrs.header + attrs.length))
        signedAttrs[0] = 0x31
        const last = parsed[parsed.length - 1]
        const signatureBytes = sig.subarray(last.offset + last.header, last.offset + last.header + last.length)
        const signature = pkeyutl(pub, signedAttrs, signatureBytes)
        const md = parsed[parsed.findIndex((p) => p.text.includes(":messageDigest")) + 2]
        const stated = sig.subarray(md.offset + md.header, md.offset + md.header + md.length)
        const eContent = parsed.find((p) => p.text.includes("OCTET STRING") && p.length === content.length)!
        const embedded = sig.subarray(eContent.offset + eContent.header, eContent.offset + eContent.header + eContent.length)
        const computed = (await run("openssl", ["dgst", "-sha512", "-binary", file(embedded)], { encoding: "buffer" })).stdout
        return { chain, digest: Buffer.compare(computed, stated) === 0, signature: await signature }
    }

    async function pkeyutl(pub: string, data: Buffer, signature: Buffer): Promise<boolean> {
        const r = await tool("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", file(data), "-sigfile", file(signature)])
        return r.code === 0 && r.out.includes("Signature Verified Successfully")
    }

    test("chain, message digest and Ed25519 signature over the signed attributes all verify", async () => {
        expect(await verifySteps(cms)).toEqual({ chain: true, digest: true, signature: true })
    })

    test("a flipped byte in the content, the signed attributes or the signature fails its step", async () => {
        const [inContent, inAttrs, inSignature] = tampered
        expect(await verifySteps(flipped(cms, inContent))).toEqual({ chain: true, digest: false, signature: true })
        expect(await verifySteps(flipped(cms, inAttrs))).toEqual({ chain: true, digest: true, signature: false })
        expect(await verifySteps(flipped(cms, inSignature))).toEqual({ chain: true, digest: true, signature: false })
    })
})
