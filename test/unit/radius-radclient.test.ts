// Interoperability with an independent RADIUS implementation: FreeRADIUS's radclient (Debian
// package freeradius-utils) against this project's UDP and TCP servers on 127.0.0.1. radclient
// checks the Response Authenticator and the Message-Authenticator of what it receives: a response
// failing them is reported as "Reply verification failed", never printed as "Received ...". The
// last test proves that with a rogue responder. radclient also sends the payment status inquiry
// (src/radius/inquiry.ts) to the real payment server. Skipped, with a message, when radclient is
// not installed (RADCLIENT=path picks another binary).

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import { createSocket } from "node:dgram"
import { RadiusUdpServer } from "../../sim/radius/udp-server"
import { RadiusTcpServer } from "../../sim/radius/tcp-server"
import { RadiusHandler } from "../../sim/radius/process"
import {
    CODE_ACCESS_ACCEPT,
    CODE_ACCESS_CHALLENGE,
    CODE_ACCESS_REJECT,
    CODE_ACCOUNTING_REQUEST,
    CODE_ACCOUNTING_RESPONSE,
    CODE_STATUS_SERVER,
    decodePacket,
    encodePacket,
} from "../../src/radius/packet"
import { ATTR_REPLY_MESSAGE, ATTR_STATE, ATTR_USER_PASSWORD, getAttribute, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { radiusSecret, signResponse, withMessageAuthenticator } from "../../src/radius/authenticator"
import { recoverUserPassword } from "../../src/radius/user-password"
import { newCard, newPayment, pay, startWorld, uplinkFor, type World } from "../support/payment-world"

const RADCLIENT = process.env.RADCLIENT ?? "radclient"
const found = spawnSync(RADCLIENT, ["-v"], { encoding: "utf8" })
const available = !found.error && /radclient version/.test((found.stdout ?? "") + (found.stderr ?? ""))
if (!available) {
    console.warn("radius-radclient.test.ts: skipped: `radclient` not found (apt-get install freeradius-utils to run the FreeRADIUS interoperability tests)")
}

const SECRET = "interop-secret-42"
/** EAP-Request/AKA-Identity (RFC 4187): code 1, identifier 2, length 8, type 23, subtype 5. */
const EAP_REQUEST_AKA_IDENTITY = Buffer.from("0102000817050000", "hex")

interface RadclientRun {
    code: number
    out: string
}

/** Runs radclient with the attribute list on stdin; -x prints what it sends and receives. */
function radclient(args: string[], input: string, timeoutMs = 8000): Promise<RadclientRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(RADCLIENT, ["-x", ...args], { stdio: ["pipe", "pipe", "pipe"] })
        let out = ""
        child.stdout.on("data", (d) => (out += d))
        child.stderr.on("data", (d) => (out += d))
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
        child.on("error", reject)
        child.on("close", (code) => {
            clearTimeout(timer)
            resolve({ code: code ?? -1, out })
        })
        child.stdin.end(input + "\n")
    })
}

/** PAP: Accept for "arctangent", else Reject; EAP: a Challenge carrying an EAP-Request; Status-Server; accounting. */
const handler: RadiusHandler = async (req) => {
    if (req.code === CODE_ACCOUNTING_REQUEST) return { code: CODE_ACCOUNTING_RESPONSE, attributes: [] }
    if (req.code === CODE_STATUS_SERVER) return { code: CODE_ACCESS_ACCEPT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, "alive")] }
    if (joinEapMessage(req.attributes)) {
        return { code: CODE_ACCESS_CHALLENGE, attributes: eapMessageAttributes(EAP_REQUEST_AKA_IDENTITY).concat([{ type: ATTR_STATE, value: Buffer.from("st-0001") }]) }
    }
    const pw = getAttribute(req.attributes, ATTR_USER_PASSWORD)
    const ok = pw !== null && recoverUserPassword(pw, req.authenticator, radiusSecret(Buffer.from(SECRET))).toString() === "arctangent"
    return { code: ok ? CODE_ACCESS_ACCEPT : CODE_ACCESS_REJECT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, ok ? "welcome" : "denied")] }
}

describe.skipIf(!available)("FreeRADIUS radclient against our servers", () => {
    let udp: RadiusUdpServer
    let tcp: RadiusTcpServer
    beforeAll(async () => {
        const secretFor = (a: string) => (a === "127.0.0.1" ? Buffer.from(SECRET) : null)
        udp = await RadiusUdpServer.start({ secretFor, handler })
        tcp = await RadiusTcpServer.start({ secretFor, handler })
    })
    afterAll(async () => {
        await udp?.close()
        await tcp?.close()
    })

    const target = (t: "udp" | "tcp") => "127.0.0.1:" + (t === "udp" ? udp.port : tcp.port)
    const proto = (t: "udp" | "tcp") => ["-P", t, "-t", "2", "-r", "1"]

    for (const t of ["udp", "tcp"] as const) {
        test(`${t}: PAP without Message-Authenticator gets a correctly signed Access-Accept`, async () => {
            const r = await radclient([...proto(t), target(t), "auth", SECRET], 'User-Name = "nemo", User-Password = "arctangent"')
            expect(r.out).toMatch(/^Received Access-Accept Id \d+/m)
            expect(r.out).toMatch(/Reply-Message = "welcome"/)
            expect(r.code, r.out).toBe(0)
        })

        test(`${t}: PAP with Message-Authenticator gets a signed Access-Accept; a wrong password an Access-Reject`, async () => {
            const ok = await radclient([...proto(t), target(t), "auth", SECRET], 'User-Name = "nemo", User-Password = "arctangent", Message-Authenticator = 0x00')
            expect(ok.out).toMatch(/^Received Access-Accept Id \d+/m)
            expect(ok.out).toMatch(/Message-Authenticator = 0x[0-9a-f]{32}/)
            expect(ok.code, ok.out).toBe(0)
            const no = await radclient([...proto(t), target(t), "auth", SECRET], 'User-Name = "nemo", User-Password = "wrong", Message-Authenticator = 0x00')
            expect(no.out).toMatch(/^Received Access-Reject Id \d+/m)
            expect(no.out).toMatch(/Reply-Message = "denied"/)
        })

        test(`${t}: EAP-Message with Message-Authenticator gets an Access-Challenge carrying EAP and State`, async () => {
            const r = await radclient([...proto(t), target(t), "auth", SECRET], 'User-Name = "card-0001", EAP-Message = 0x0201000e01636172642d30303031, Message-Authenticator = 0x00')
            expect(r.out).toMatch(/^Received Access-Challenge Id \d+/m)
            expect(r.out).toContain("EAP-Message = 0x" + EAP_REQUEST_AKA_IDENTITY.toString("hex"))
            expect(r.out).toMatch(/State = 0x73742d30303031/)
        })

        test(`${t}: Status-Server and Accounting-Request are answered and verified`, async () => {
            const st = await radclient([...proto(t), target(t), "status", SECRET], "Message-Authenticator = 0x00")
            expect(st.out).toMatch(/^Received Access-Accept Id \d+/m)
            expect(st.code, st.out).toBe(0)
            const acct = await radclient([...proto(t), target(t), "acct", SECRET], 'Acct-Status-Type = Start, Acct-Session-Id = "s-1", User-Name = "nemo"')
            expect(acct.out).toMatch(/^Received Accounting-Response Id \d+/m)
            expect(acct.code, acct.out).toBe(0)
        })
    }

    test("udp: radclient with the wrong secret is dropped by the server (Message-Authenticator), and gets no reply", async () => {
        const before = udp.stats.badMessageAuthenticator
        const r = await radclient(["-P", "udp", "-t", "0.3", "-r", "1", target("udp"), "auth", "not-the-secret"], 'User-Name = "nemo", User-Password = "arctangent", Message-Authenticator = 0x00')
        expect(r.out).not.toMatch(/^Received/m)
        expect(r.code).not.toBe(0)
        expect(udp.stats.badMessageAuthenticator).toBeGreaterThanOrEqual(before + 1)
    })

    test("control: radclient refuses responses with a wrong Message-Authenticator or Response Authenticator (so its acceptance above means something)", async () => {
        for (const mode of ["wrong secret", "Response Authenticator flipped"]) {
            const rogue = createSocket("udp4")
            await new Promise<void>((r) => rogue.bind(0, "127.0.0.1", () => r()))
            rogue.on("message", (m, rinfo) => {
                const req = decodePacket(m)
                const resp = encodePacket({ code: CODE_ACCESS_ACCEPT, identifier: req.identifier, authenticator: Buffer.alloc(16), attributes: withMessageAuthenticator([]) })
                const key = radiusSecret(Buffer.from(mode === "wrong secret" ? "rogue" : SECRET))
                const signed = signResponse(resp, req.authenticator, key)
                if (mode !== "wrong secret") signed[4] ^= 1
                rogue.send(signed, rinfo.port, rinfo.address)
            })
            try {
                const r = await radclient(["-t", "0.5", "-r", "1", "127.0.0.1:" + rogue.address().port, "auth", SECRET], 'User-Name = "nemo", User-Password = "arctangent", Message-Authenticator = 0x00')
                expect(r.out, mode).not.toMatch(/^Received Access-Accept Id \d+/m)
                expect(r.out, mode).toMatch(/verification failed|invalid/i)
                expect(r.code, mode).not.toBe(0)
            } finally {
                await new Promise<void>((r) => rogue.close(() => r()))
            }
        }
    })
})

describe.skipIf(!available)("FreeRADIUS radclient sends a status inquiry to the payment server", () => {
    let world: World
    beforeAll(async () => {
        world = await startWorld()
    })
    afterAll(async () => {
        await world?.close()
    })

    /** Service-Type Authorize-Only, the Transaction-Id as raw Vendor-Specific (enterprise 32473 = 0x7ed9, type 6). */
    const inquiry = (txid: Buffer) => `Service-Type = Authorize-Only, NAS-Identifier = "TERM0001", Attr-26 = 0x00007ed9060a${txid.toString("hex")}, Message-Authenticator = 0x00`
    const hex = (s: string) => Buffer.from(s).toString("hex")

    for (const t of ["udp", "tcp"] as const) {
        test(`${t}: the ledger's approval comes back in an Access-Accept; an unknown transaction gets an Access-Reject 25`, async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const payment = newPayment(1000)
            const { outcome } = await pay(newCard(world), uplink, payment, world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            const port = t === "udp" ? world.server.udp.port : world.server.tcp.port
            const secret = world.terminal.secret
            const ok = await radclient(["-P", t, "-t", "2", "-r", "1", "127.0.0.1:" + port, "auth", secret], inquiry(payment.transactionId))
            expect(ok.out).toMatch(/^Received Access-Accept Id \d+/m)
            expect(ok.out).toContain(`Attr-26.32473.6 = 0x${payment.transactionId.toString("hex")}`) // Transaction-Id echoed
            expect(ok.out).toContain(`Attr-26.32473.7 = 0x${hex(outcome.approvalNumber)}`) // Approval-Number
            expect(ok.out).toContain(`Attr-26.32473.8 = 0x${hex("00")}`) // Response-Code
            expect(ok.code, ok.out).toBe(0)
            const no = await radclient(["-P", t, "-t", "2", "-r", "1", "127.0.0.1:" + port, "auth", secret], inquiry(Buffer.from("0000000000000001", "hex")))
            expect(no.out).toMatch(/^Received Access-Reject Id \d+/m)
            expect(no.out).toContain(`Attr-26.32473.8 = 0x${hex("25")}`)
        })
    }
})
