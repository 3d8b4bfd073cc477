// The CA's CMP enrolment (RFC 4210/9480, Lightweight CMP RFC 9483) driven by a client made of the
// CA's own schema classes: the good path with explicit and implicit confirmation, and each way a
// request must be refused, with the failInfo bit a client can act on. Nothing is logged with a
// secret in it, and random or truncated bytes get a CMP error, never a crash.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier } from "@peculiar/asn1-x509"
import { CaServer } from "../../sim/ca/ca-server"
import { PBMParameter, PKIBody, PKIMessage } from "../../sim/ca/cmp-asn1"
import { arrayBuffer } from "../../sim/ca/array-buffer"
import { certConfBody, client, errorBody, irBody, message, readReply, type ClientState } from "../support/cmp-client"

let dir: string
let ca: CaServer
const logs: string[] = []
const secrets: string[] = []

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "activecard-ca-cmp-"))
    ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: (l) => logs.push(l) })
})

afterAll(async () => {
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

function registered(name = "Test Holder"): ClientState {
    const r = ca.store.register(name, "+821012345678")
    secrets.push(r.secret)
    return client(r.reference, r.secret)
}

async function post(der: Buffer, path = "/pkix/"): Promise<Buffer> {
    const res = await fetch(ca.baseUrl + path, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: der })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/pkixcmp")
    return Buffer.from(await res.arrayBuffer())
}

const ed = () => generateKeyPairSync("ed25519").privateKey
const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey

function serialOf(reply: ReturnType<typeof readReply>): string {
    return Buffer.from(reply.message.body.ip?.response[0].certifiedKeyPair?.certOrEncCert.certificate?.tbsCertificate.serialNumber as ArrayBuffer).toString("hex")
}

/** ir then ip; returns the client and the certificate (the transaction waits for certConf). */
async function issued(key = ed()) {
    const c = registered()
    const reply = readReply(c, await post(message(c, irBody(key))))
    expect(reply.failInfo, reply.statusText).toBeUndefined()
    return { c, cert: reply.certificate as Buffer, reply }
}

describe("CMP enrolment", () => {
    test("ir -> ip -> certConf -> pkiConf, every answer MAC-protected with echoed IDs and nonces", async () => {
        const c = registered("Alice Kim")
        const senderNonce = randomBytes(16)
        const ip = readReply(c, await post(message(c, irBody(p256(), { subject: "Alice Kim" }), { senderNonce })))
        expect(ip.protectedOk).toBe(true)
        expect(ip.message.body.ip?.response[0].status.status).toBe(0)
        expect(Buffer.from(ip.message.header.transactionID as ArrayBuffer)).toEqual(c.transactionID)
        expect(Buffer.from(ip.message.header.recipNonce as ArrayBuffer)).toEqual(senderNonce)
        expect(Buffer.from(ip.message.header.senderKID as ArrayBuffer).toString()).toBe(c.reference)
        const serial = serialOf(ip)
        expect(ca.store.certificate(serial)?.status).toBe("issued")
        const conf = readReply(c, await post(message(c, certConfBody(ip.certificate as Buffer))))
        expect(conf.failInfo, conf.statusText).toBeUndefined()
        expect(conf.protectedOk).toBe(true)
        expect(conf.message.body.pkiconf).toBeNull()
        expect(ca.store.certificate(serial)?.status).toBe("good")
        expect(ca.store.registration(c.reference)).toMatchObject({ state: "enrolled", secret: "" })
    })

    test("implicit confirmation asked is granted: the enrolment ends with ip", async () => {
        const c = registered()
        const ip = readReply(c, await post(message(c, irBody(ed()), { implicitConfirm: true })))
        expect(ip.protectedOk).toBe(true)
        expect(ip.message.header.generalInfo?.map((i) => i.infoType)).toEqual(["1.3.6.1.5.5.7.4.13"])
        expect(ca.store.registration(c.reference)?.state).toBe("enrolled")
        expect(ca.store.certificate(serialOf(ip))?.status).toBe("good")
    })

    test("a subject other than the registered name is replaced: grantedWithMods", async () => {
        const c = registered("Registered Name")
        const ip = readReply(c, await post(message(c, irBody(ed(), { subject: "Someone Else" }))))
        expect(ip.message.body.ip?.response[0].status.status).toBe(1)
        expect(ip.message.body.ip?.response[0].certifiedKeyPair?.certOrEncCert.certificate?.tbsCertificate.subject[0][0].value.toString()).toBe("Registered Name")
    })

    test("a certConf rejecting the certificate revokes it", async () => {
        const { c, cert, reply } = await issued()
        const conf = readReply(c, await post(message(c, certConfBody(cert, { reject: true }))))
        expect(conf.message.body.pkiconf).toBeNull()
        expect(ca.store.certificate(serialOf(reply))).toMatchObject({ status: "revoked", reason: 5 })
    })

    test("an error message from the client ends its transaction (pkiConf, certificate revoked)", async () => {
        const { c, reply } = await issued()
        const conf = readReply(c, await post(message(c, errorBody())))
        expect(conf.message.body.pkiconf).toBeNull()
        expect(ca.store.certificate(serialOf(reply))?.status).toBe("revoked")
    })
})

test("an ip whose certConf does not come in time is void: its certificate revoked, the reference free again", async () => {
    const quick = await CaServer.start({ dataDir: join(dir, "quick"), port: 0, confirmWaitMs: 100, log: (l) => logs.push(l) })
    try {
        const r = quick.store.register("Slow Holder", "+821012345678")
        secrets.push(r.secret)
        const c = client(r.reference, r.secret)
        const ip = readReply(c, quick.cmp.handle(message(c, irBody(ed()))))
        expect(ip.failInfo).toBeUndefined()
        await new Promise((resolve) => setTimeout(resolve, 150))
        const late = readReply(c, quick.cmp.handle(message(c, certConfBody(ip.certificate as Buffer))))
        expect(late.failInfo).toEqual(["badRequest"])
        expect(quick.store.certificate(serialOf(ip))).toMatchObject({ status: "revoked", reason: 5 })
        const retry = client(r.reference, r.secret)
        const again = readReply(retry, quick.cmp.handle(message(retry, irBody(ed()), { implicitConfirm: true })))
        expect(again.failInfo, again.statusText).toBeUndefined()
        expect(quick.store.registration(r.reference)?.state).toBe("enrolled")
    } finally {
        await quick.stop()
    }
})

describe("CMP refusals", () => {
    async function refused(c: ClientState, der: Buffer, failInfo: string, protectedAnswer: boolean) {
        const reply = readReply(c, await post(der))
        expect(reply.failInfo, reply.statusText).toEqual([failInfo])
        expect(reply.message.body.error?.pKIStatusInfo.status).toBe(2)
        expect(reply.protectedOk).toBe(protectedAnswer)
        return reply
    }

    test("unknown reference and wrong secret: the same badMessageCheck, unprotected", async () => {
        const c = registered()
        const a = await refused(c, message(c, irBody(ed()), { senderKID: "999999999999" }), "badMessageCheck", false)
        const b = await refused(c, message(c, irBody(ed()), { secret: "0000000000000000" }), "badMessageCheck", false)
        expect(a.statusText).toBe(b.statusText)
        // The reference is still usable after the failures.
        expect(readReply(c, await post(message(c, irBody(ed())))).failInfo).toBeUndefined()
    })

    test("a reference enrols once", async () => {
        const c = registered()
        expect(readReply(c, await post(message(c, irBody(ed()), { implicitConfirm: true }))).failInfo).toBeUndefined()
        const again = client(c.reference, c.secret)
        await refused(again, message(again, irBody(ed())), "notAuthorized", false)
    })

    test("a second ir for a reference waiting for confirmation, in a new transaction: notAuthorized", async () => {
        const { c } = await issued()
        const other = client(c.reference, c.secret)
        await refused(other, message(other, irBody(ed())), "notAuthorized", true)
    })

    test("bad proof of possession: another key, a tampered signature, none", async () => {
        const key = p256()
        for (const o of [{ popKey: p256() }, { tamperSignature: true }, { noPop: true }, { popKey: ed() }]) {
            const c = registered()
            await refused(c, message(c, irBody(key, o)), "badPOP", true)
            expect(ca.store.registration(c.reference)?.state).toBe("registered")
        }
    })

    test("a replayed ir: transactionIdInUse", async () => {
        const c = registered()
        const ir = message(c, irBody(ed()))
        expect(readReply(c, await post(ir)).failInfo).toBeUndefined()
        await refused(c, ir, "transactionIdInUse", true)
    })

    test("certConf with a wrong recipNonce, or none: badRecipientNonce", async () => {
        const { c, cert } = await issued()
        await refused(c, message(c, certConfBody(cert), { recipNonce: randomBytes(16) }), "badRecipientNonce", true)
        await refused(c, message(c, certConfBody(cert), { recipNonce: null }), "badRecipientNonce", true)
    })

    test("certConf before any ir (unknown transaction): badRequest", async () => {
        const c = registered()
        await refused(c, message(c, certConfBody(randomBytes(100)), { recipNonce: randomBytes(16) }), "badRequest", true)
    })

    test("certConf with a wrong certHash or certReqId: badCertId", async () => {
        const { c, cert } = await issued()
        const nonce = c.recipNonce
        await refused(c, message(c, certConfBody(cert, { hash: randomBytes(64) }), { recipNonce: nonce }), "badCertId", true)
        await refused(c, message(c, certConfBody(cert, { certReqId: 1 }), { recipNonce: nonce }), "badCertId", true)
    })

    test("a replayed certConf after pkiConf: certConfirmed", async () => {
        const { c, cert } = await issued()
        const conf = message(c, certConfBody(cert))
        expect(readReply(c, await post(conf)).message.body.pkiconf).toBeNull()
        await refused(c, conf, "certConfirmed", false)
    })

    test("header and body checks: unprotected, version, time, iteration count, short nonce, other body types, certReqId, key type", async () => {
        const c = registered()
        await refused(c, message(c, irBody(ed()), { unprotected: true }), "badMessageCheck", false)
        await refused(c, message(c, irBody(ed()), { pvno: 1 }), "unsupportedVersion", false)
        await refused(c, message(c, irBody(ed()), { messageTime: new Date(Date.now() - 3600_000) }), "badTime", true)
        const pbm = new PBMParameter({ salt: arrayBuffer(randomBytes(16)), owf: new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.2.1" }), iterationCount: 10_000_000, mac: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.2.9" }) })
        await refused(c, message(c, irBody(ed()), { pbm, randomMac: true }), "badAlg", false)
        await refused(c, message(c, irBody(ed()), { senderNonce: randomBytes(4) }), "badSenderNonce", false)
        await refused(c, message(c, new PKIBody({ genm: AsnConvert.serialize(new PKIBody({ pkiconf: null })) })), "badRequest", true)
        await refused(c, message(c, irBody(ed(), { certReqId: 3 })), "badRequest", true)
        const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey
        await refused(c, message(c, irBody(rsa)), "badCertTemplate", true)
        expect(ca.store.registration(c.reference)?.state).toBe("registered")
    })

    test("garbage, truncated and bit-flipped messages get a CMP error, and the CA goes on", async () => {
        const c = registered()
        const good = message(c, irBody(ed()))
        const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from("hello"), randomBytes(1)]
        for (let i = 0; i < 40; i++) inputs.push(randomBytes(1 + Math.floor(Math.random() * 600)))
        for (let n = 1; n < good.length; n += 7) inputs.push(good.subarray(0, n))
        for (let i = 0; i < 200; i++) {
            const b = Buffer.from(good)
            b[Math.floor(Math.random() * b.length)] ^= 1 << Math.floor(Math.random() * 8)
            inputs.push(b)
        }
        for (const input of inputs) {
            const answer = AsnConvert.parse(ca.cmp.handle(input), PKIMessage)
            expect(answer.body.error, `input ${input.toString("hex")}`).toBeDefined()
        }
        // Over HTTP too, and the good request still works afterwards.
        expect(readReply(c, await post(randomBytes(300))).failInfo).toEqual(["badDataFormat"])
        expect(readReply(c, await post(good)).failInfo).toBeUndefined()
    })

    test("HTTP: wrong content type 415, oversize 413, unknown path 404", async () => {
        expect((await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(415)
        const big = await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: randomBytes(70_000) }).catch(() => ({ status: 413 }))
        expect(big.status).toBe(413)
        expect((await fetch(ca.baseUrl + "/nothing")).status).toBe(404)
    })

    test("no secret in the CA's log", () => {
        expect(logs.length).toBeGreaterThan(10)
        for (const s of secrets) expect(logs.join("\n")).not.toContain(s)
    })
})
