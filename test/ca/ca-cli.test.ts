// `npm run ca` as an operator uses it: the registration desk prints the reference number and the
// mailer file, never the secret; files and folder are private; wrong input is one line and exit
// code 2; the server keeps an enrolment across kill -9 (ir before, certConf after the restart);
// `revoke` on the running CA's data folder shows at once in OCSP.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert, OctetString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate } from "@peculiar/asn1-x509"
import { BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, Request, TBSRequest } from "@peculiar/asn1-ocsp"
import { createHash } from "node:crypto"
import { freePort } from "../support/free-port"
import { certConfBody, client, irBody, message, readReply } from "../support/cmp-client"
import { readMailer } from "../../sim/ca/registration-desk"

// One process (node with tsx's loader, not the tsx wrapper): kill -9 must reach the CA itself.
const NODE = [process.execPath, "--import", "tsx"]
const MAIN = join("sim", "ca", "main.ts")
let dir: string
let data: string

function ca(args: string[]) {
    const r = spawnSync(NODE[0], [...NODE.slice(1), MAIN, ...args], { encoding: "utf8", timeout: 30_000 })
    return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "activecard-ca-cli-"))
    data = join(dir, "ca")
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Starts `npm run ca` on a free port; resolves when its banner is out. */
async function startServer(port: number): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn(NODE[0], [...NODE.slice(1), MAIN, "--data", data, "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] })
    let text = ""
    child.stdout?.on("data", (d) => (text += d))
    child.stderr?.on("data", (d) => (text += d))
    await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
            if (text.includes("certification authority:")) {
                clearInterval(t)
                resolve()
            }
        }, 50)
        child.once("exit", (code) => {
            clearInterval(t)
            reject(new Error(`CA exited with ${code}: ${text}`))
        })
    })
    return { child, output: () => text }
}

async function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    const done = new Promise<void>((r) => child.once("exit", () => r()))
    child.kill(signal)
    await done
}

async function post(port: number, der: Buffer): Promise<Buffer> {
    const res = await fetch(`http://127.0.0.1:${port}/pkix/`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: der })
    return Buffer.from(await res.arrayBuffer())
}

/** The OCSP status ("good", "revoked", "unknown") of `certDer` as the CA on `port` answers it. */
async function ocspStatus(port: number, certDer: Buffer, caDer: Buffer): Promise<string> {
    const caCert = AsnConvert.parse(caDer, Certificate)
    const cert = AsnConvert.parse(certDer, Certificate)
    const sha1 = (b: ArrayBuffer) => new OctetString(createHash("sha1").update(Buffer.from(b)).digest())
    const id = new CertID({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.3.14.3.2.26" }), issuerNameHash: sha1(AsnConvert.serialize(caCert.tbsCertificate.subject)), issuerKeyHash: sha1(caCert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey), serialNumber: cert.tbsCertificate.serialNumber })
    const req = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: id })] }) })
    const res = await fetch(`http://127.0.0.1:${port}/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: Buffer.from(AsnConvert.serialize(req)) })
    const ocsp = AsnConvert.parse(Buffer.from(await res.arrayBuffer()), OCSPResponse)
    const basic = AsnConvert.parse(ocsp.responseBytes?.response.buffer as ArrayBuffer, BasicOCSPResponse)
    const s = basic.tbsResponseData.responses[0].certStatus
    return s.good !== undefined ? "good" : s.revoked !== undefined ? "revoked" : "unknown"
}

describe("npm run ca", () => {
    test("--help, and wrong command lines: one line, exit 2", () => {
        const help = ca(["--help"])
        expect(help.code).toBe(0)
        expect(help.out).toContain("register --name NAME --phone")
        for (const args of [["register", "--name", "A", "--phone", "12345", "--data", data], ["revoke", "--serial", "xyz", "--data", data], ["register", "--bogus", "1"]]) {
            const r = ca(args)
            expect(r.code, args.join(" ")).toBe(2)
            expect(r.err).toMatch(/^error: /)
            expect(r.err).not.toMatch(/\n\s+at /)
        }
    })

    test("register: prints the reference and the mailer path, never the secret; private files", () => {
        const r = ca(["register", "--name", "Alice Kim", "--phone", "+82 10 1234 5678", "--data", data])
        expect(r.code, r.err).toBe(0)
        const mailer = /letter with the one-time secret: (\S+)/.exec(r.out)?.[1] as string
        const { reference, secret } = readMailer(readFileSync(mailer, "utf8"))
        expect(r.out).toContain(`reference number ${reference}`)
        expect(r.out + r.err).not.toContain(secret)
        expect(readFileSync(mailer, "utf8")).toContain("Phone: +821012345678")
        expect(statSync(mailer).mode & 0o777).toBe(0o600)
        expect(statSync(data).mode & 0o777).toBe(0o700)
        expect(statSync(join(data, "ca-key.pem")).mode & 0o777).toBe(0o600)
        expect(statSync(join(data, "ca.db")).mode & 0o777).toBe(0o600)
        expect(ca(["revoke", "--serial", "0badc0de", "--data", data]).code).toBe(2)
    })

    test("an enrolment survives kill -9 between ip and certConf; revoke shows in OCSP at once; port in use is exit 1", async () => {
        const reg = ca(["register", "--name", "Bob Lee", "--phone", "+821099998888", "--data", data])
        const { reference, secret } = readMailer(readFileSync(/letter with the one-time secret: (\S+)/.exec(reg.out)?.[1] as string, "utf8"))
        const port = await freePort()
        const first = await startServer(port)
        const c = client(reference, secret)
        const ip = readReply(c, await post(port, message(c, irBody(generateKeyPairSync("ed25519").privateKey, { subject: "Bob Lee" }))))
        expect(ip.failInfo, ip.statusText).toBeUndefined()
        await stopped(first.child, "SIGKILL")

        const second = await startServer(port)
        try {
            const busy = ca(["--data", join(dir, "other"), "--port", String(port)])
            expect(busy.code).toBe(1)
            expect(busy.err).toMatch(/^error: port \d+ on 127\.0\.0\.1 is already in use/)
            const conf = readReply(c, await post(port, message(c, certConfBody(ip.certificate as Buffer))))
            expect(conf.failInfo, conf.statusText).toBeUndefined()
            expect(conf.message.body.pkiconf).toBeNull()
            const caDer = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/ca.cer`)).arrayBuffer())
            expect(await ocspStatus(port, ip.certificate as Buffer, caDer)).toBe("good")
            const serial = Buffer.from(AsnConvert.parse(ip.certificate as Buffer, Certificate).tbsCertificate.serialNumber).toString("hex")
            const rev = ca(["revoke", "--serial", serial.toUpperCase(), "--reason", "keyCompromise", "--data", data])
            expect(rev.code, rev.err).toBe(0)
            expect(await ocspStatus(port, ip.certificate as Buffer, caDer)).toBe("revoked")
            expect(ca(["revoke", "--serial", serial, "--data", data]).out).toContain("already revoked")
            expect(first.output() + second.output()).not.toContain(secret)
        } finally {
            await stopped(second.child, "SIGTERM")
        }
    })
})
