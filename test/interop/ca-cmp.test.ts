// Interoperability of the certification authority with stock OpenSSL: `openssl cmp` enrols
// against it (ir/ip/certConf/pkiConf with PasswordBasedMac under the one-time secret, and with
// implicit confirmation), with a P-256 key and with an Ed25519 key; `openssl verify` accepts the
// certificates; `openssl ocsp` gets good and then, after `npm run ca -- revoke`'s store call,
// revoked; `openssl crl -verify` accepts the published CRL listing the revocation.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { execFile, execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { CaServer } from "../../sim/ca/ca-server"
import { CA_CERT_FILE } from "../../sim/ca/ca-data"
import { CRL_REASON } from "../../sim/ca/ca-store"
import { readMailer, register } from "../../sim/ca/registration-desk"

const run = promisify(execFile)

function hasOpensslCmp(): boolean {
    try {
        execFileSync("openssl", ["cmp", "-help"], { stdio: "pipe" })
        return true
    } catch {
        return false
    }
}

let dir: string
let ca: CaServer
let caPem: string
const logs: string[] = []
const secrets: string[] = []

/** Runs openssl; returns stdout+stderr and the exit code (never throws on a non-zero exit). */
async function openssl(args: string[]): Promise<{ code: number; out: string }> {
    try {
        const r = await run("openssl", args, { timeout: 20_000 })
        return { code: 0, out: r.stdout + r.stderr }
    } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string }
        return { code: typeof err.code === "number" ? err.code : 1, out: (err.stdout ?? "") + (err.stderr ?? "") }
    }
}

function registerHolder(name: string, phone: string): { reference: string; secret: string } {
    const { mailer } = register(ca.store, name, phone, (ref) => join(dir, "mailers", `${ref}.txt`))
    const r = readMailer(readFileSync(mailer, "utf8"))
    secrets.push(r.secret)
    return r
}

async function newKey(kind: "P-256" | "Ed25519"): Promise<string> {
    const file = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.pem`)
    const args = kind === "P-256" ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file] : ["genpkey", "-algorithm", "ED25519", "-out", file]
    expect((await openssl(args)).code).toBe(0)
    return file
}

async function enrol(r: { reference: string; secret: string }, key: string, subject: string, extra: string[] = []) {
    const certout = join(dir, `cert-${r.reference}-${Math.random().toString(36).slice(2)}.pem`)
    const res = await openssl(["cmp", "-cmd", "ir", "-server", `127.0.0.1:${ca.port}/pkix/`, "-ref", r.reference, "-secret", `pass:${r.secret}`, "-newkey", key, "-subject", subject, "-certout", certout, "-trusted", caPem, "-recipient", "/O=activecard/CN=activecard Demo CA", ...extra])
    // Whatever happens, the secret is not in what the test shows.
    return { ...res, out: res.out.split(r.secret).join("<secret>"), certout }
}

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "activecard-ca-interop-"))
    ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: (l) => logs.push(l) })
    caPem = join(dir, "ca", CA_CERT_FILE)
})

afterAll(async () => {
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!hasOpensslCmp())("openssl cmp / verify / ocsp / crl against the CA", () => {
    let p256Cert = ""

    test("openssl cmp enrols a P-256 key (ir, ip, certConf, pkiConf); openssl verify accepts the certificate", async () => {
        const r = registerHolder("Alice Kim", "+821012345678")
        const res = await enrol(r, await newKey("P-256"), "/CN=Alice Kim")
        expect(res.code, res.out).toBe(0)
        expect(res.out).toMatch(/sending CERTCONF[\s\S]*received PKICONF/)
        const verify = await openssl(["verify", "-CAfile", caPem, res.certout])
        expect(verify.out).toContain(": OK")
        const text = (await openssl(["x509", "-in", res.certout, "-noout", "-text"])).out
        expect(text).toMatch(/Subject: CN ?= ?Alice Kim/)
        expect(text).toContain("URI:tel:+821012345678")
        expect(text).toMatch(/Key Usage: critical\s+Digital Signature/)
        expect(text).toContain(`OCSP - URI:${ca.baseUrl}/ocsp`)
        expect(text).toContain(`URI:${ca.baseUrl}/crl`)
        expect(text).toMatch(/Signature Algorithm: ED25519/)
        p256Cert = res.certout
    })

    test("openssl cmp enrols an Ed25519 key with implicit confirmation", async () => {
        const r = registerHolder("Bob Lee", "+821099998888")
        const res = await enrol(r, await newKey("Ed25519"), "/CN=Bob Lee", ["-implicit_confirm"])
        expect(res.code, res.out).toBe(0)
        expect(res.out).not.toContain("CERTCONF")
        expect((await openssl(["verify", "-CAfile", caPem, res.certout])).out).toContain(": OK")
        expect((await openssl(["x509", "-in", res.certout, "-noout", "-text"])).out).toMatch(/Public Key Algorithm: ED25519/)
    })

    test("openssl cmp is refused for a wrong secret and for a reference used twice, with the CA's reason", async () => {
        const r = registerHolder("Carol Park", "+821055556666")
        const key = await newKey("P-256")
        const wrong = await enrol({ reference: r.reference, secret: "1111222233334444" }, key, "/CN=Carol Park", ["-unprotected_errors"])
        expect(wrong.code).not.toBe(0)
        expect(wrong.out).toContain("badMessageCheck")
        expect((await enrol(r, key, "/CN=Carol Park")).code).toBe(0)
        const again = await enrol(r, key, "/CN=Carol Park", ["-unprotected_errors"])
        expect(again.code).not.toBe(0)
        expect(again.out).toMatch(/notAuthorized[\s\S]*reference number already used/)
    })

    test("openssl ocsp: good, then revoked after revocation (POST and GET); openssl crl -verify accepts the CRL listing it", async () => {
        expect(p256Cert).not.toBe("")
        const ask = () => openssl(["ocsp", "-issuer", caPem, "-cert", p256Cert, "-url", `${ca.baseUrl}/ocsp`, "-CAfile", caPem])
        const good = await ask()
        expect(good.out).toContain("Response verify OK")
        expect(good.out).toMatch(/: good/)
        const serial = (await openssl(["x509", "-in", p256Cert, "-noout", "-serial"])).out.trim().replace(/^serial=/, "").toLowerCase()
        expect(ca.store.revoke(serial.replace(/^0+/, ""), CRL_REASON.keyCompromise)).toBe(true)
        const revoked = await ask()
        expect(revoked.out).toContain("Response verify OK")
        expect(revoked.out).toMatch(/: revoked[\s\S]*Reason: keyCompromise/)
        // GET (RFC 6960 A.1): the request, base64 and URL-encoded, in the path.
        const reqFile = join(dir, "ocsp-req.der")
        expect((await openssl(["ocsp", "-issuer", caPem, "-cert", p256Cert, "-reqout", reqFile, "-no_nonce"])).code).toBe(0)
        const res = await fetch(`${ca.baseUrl}/ocsp/${encodeURIComponent(readFileSync(reqFile).toString("base64"))}`)
        expect(res.headers.get("content-type")).toBe("application/ocsp-response")
        const respFile = join(dir, "ocsp-resp.der")
        writeFileSync(respFile, Buffer.from(await res.arrayBuffer()))
        const viaGet = await openssl(["ocsp", "-respin", respFile, "-issuer", caPem, "-cert", p256Cert, "-CAfile", caPem])
        expect(viaGet.out).toContain("Response verify OK")
        expect(viaGet.out).toMatch(/: revoked/)
        // The CRL at the URL the certificate names.
        const crl = await fetch(`${ca.baseUrl}/crl`)
        expect(crl.headers.get("content-type")).toBe("application/pkix-crl")
        const crlFile = join(dir, "ca.crl")
        writeFileSync(crlFile, Buffer.from(await crl.arrayBuffer()))
        const check = await openssl(["crl", "-inform", "DER", "-in", crlFile, "-CAfile", caPem, "-verify", "-noout", "-text"])
        expect(check.out).toContain("verify OK")
        expect(check.out.toLowerCase().replace(/:/g, "")).toContain(serial.toLowerCase())
        expect(check.out).toContain("Key Compromise")
        // And openssl verify with CRL checking refuses the certificate.
        const crlPem = join(dir, "ca-crl.pem")
        expect((await openssl(["crl", "-inform", "DER", "-in", crlFile, "-out", crlPem])).code).toBe(0)
        const v = await openssl(["verify", "-crl_check", "-CAfile", caPem, "-CRLfile", crlPem, p256Cert])
        expect(v.out).toContain("certificate revoked")
    })

    test("no secret in the CA's log", () => {
        expect(secrets.length).toBe(3)
        for (const s of secrets) expect(logs.join("\n")).not.toContain(s)
    })
})
