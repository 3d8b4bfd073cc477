// The second embodiment end to end in Node: the real service provider (against a real CA, a key
// enrolled over CMP), the terminal's signing mode (src/terminal/sign-mode.ts) over its HTTP
// uplink (src/terminal/service-uplink.ts, the portable client on a node:net stream), and a card
// stand-in (test/support/signing-card-standin.ts) that answers SIGN HISTORY / GET SIGNATURE over
// APDUs and signs with the software CMS signer. Also POST /terminal/transactions on its own: the
// terminal's token, the request's bounds, no SMS.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import { CaServer } from "../../sim/ca/ca-server"
import { CRL_REASON } from "../../sim/ca/ca-store"
import { ServiceServer, tokenSha256 } from "../../sim/service/service-server"
import { RecordingSmsSender } from "../../sim/service/sms-sender"
import { serialHex } from "../../sim/service/signature-check"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"
import { parseHistory } from "../../src/certificate/transaction-history"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { SignMode, type SignOutcome } from "../../src/terminal/sign-mode"
import { ServiceUplink } from "../../src/terminal/service-uplink"
import { enrolHolder, type EnrolledHolder } from "../support/ca-enrol"
import { freePort } from "../support/free-port"
import { cmsSigner, SigningCardStandIn, type ScriptedHolder } from "../support/signing-card-standin"

const ALICE = "110-234-567890"
const MINSU = "220-987-654321"
const ALICE_PHONE = "+821012345678"
const TERMINAL = "TERM0001"
const TOKEN = "b1e7c0ffee5eed5a1t0k3n"

let dir: string
let ca: CaServer
let service: ServiceServer
const sms = new RecordingSmsSender()
let alice: EnrolledHolder

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "activecard-terminal-"))
    ca = await CaServer.start({ dataDir: join(dir, "ca"), port: await freePort(), log: () => {} })
    service = await ServiceServer.start({ dataDir: join(dir, "service"), port: 0, caCertificate: join(dir, "ca", "ca.pem"), sms, log: () => {} })
    service.store.putTerminal({ id: TERMINAL, account: MINSU, tokenHash: tokenSha256(TOKEN) })
    alice = await enrolHolder(ca, "Alice Kim", ALICE_PHONE)
})

afterAll(async () => {
    await service?.stop()
    await ca?.stop()
    rmSync(dir, { recursive: true, force: true })
})

const balance = (n: string) => service.store.account(n)!.balance

function ask(fields: Record<string, string>, type = "application/x-www-form-urlencoded"): Promise<Response> {
    const form = new URLSearchParams({ terminal: TERMINAL, token: TOKEN, phone: ALICE_PHONE, amount: "15000", currency: "410", ...fields })
    return fetch(service.baseUrl + "/terminal/transactions", { method: "POST", headers: { "content-type": type }, body: form.toString() })
}

/** The terminal's signing mode with keys typed, the stand-in card, and the service at `port`. */
async function terminal(card: SigningCardStandIn, keys: string, port = service.port, token = TOKEN): Promise<{ outcome: SignOutcome; shown: string[] }> {
    const queue = keys.split("")
    const shown: string[] = []
    const uplink = new ServiceUplink(() => nodeByteStream("127.0.0.1", port), "127.0.0.1:" + port, TERMINAL, token, 10_000)
    const mode = new SignMode(
        { show: (t) => shown.push(t) },
        { nextKey: async () => queue.shift() ?? "" },
        { waitForCard: async () => card.inSight, card: () => new ApduCardPort(card, 200) },
        uplink,
        { currency: 410, promptTimeoutMs: 5000, pollMs: 500, displayColumns: 20 },
    )
    return { outcome: await mode.sign(), shown }
}

const card = (holder: EnrolledHolder | null, script: ScriptedHolder = { polls: 2, answer: "sign" }) => new SigningCardStandIn(holder === null ? null : cmsSigner(holder), script, 200)

describe("POST /terminal/transactions", () => {
    test("the history is canonical, for the holder's phone, by the bank, naming the merchant, terminal and amount; awaiting, and no SMS", async () => {
        const sent = sms.sent.length
        const res = await ask({})
        expect(res.status).toBe(201)
        expect(res.headers.get("content-type")).toMatch(/^text\/plain/)
        const bytes = Buffer.from(await res.arrayBuffer())
        const h = parseHistory(bytes)
        expect(h).toMatchObject({ by: "activecard Demo Bank", phone: ALICE_PHONE, lines: ["Pay 15,000 KRW", `to ${MINSU} (Minsu Park)`, `at terminal ${TERMINAL}`, `from ${ALICE}`] })
        expect(service.store.transfer(h.id)).toMatchObject({ state: "awaiting-signature", fromAccount: ALICE, toAccount: MINSU, amount: 15000, phone: ALICE_PHONE, terminalId: TERMINAL })
        expect(service.store.transfer(h.id)!.history.equals(bytes)).toBe(true)
        // The card could fetch it as it does after an SMS; none was sent.
        expect(Buffer.from(await (await fetch(`${service.baseUrl}/card/history/${h.id}`)).arrayBuffer()).equals(bytes)).toBe(true)
        expect(sms.sent.length).toBe(sent)
    })

    test("refused with one line and the reason: the wrong token or terminal, bounds, no account, funds, currency, type", async () => {
        const cases: [Record<string, string>, number, string][] = [
            [{ token: "wrong-token-0000000" }, 401, "REFUSED unknown terminal or wrong token"],
            [{ token: "" }, 401, "REFUSED unknown terminal or wrong token"],
            [{ terminal: "TERM9999" }, 401, "REFUSED unknown terminal or wrong token"],
            [{ phone: "+821000000000" }, 400, "REFUSED no account for +821000000000"],
            [{ phone: "01012345678" }, 400, "REFUSED phone number must be + and digits (E.164)"],
            [{ phone: "+821098765432" }, 400, "REFUSED the holder's account is the merchant's"],
            [{ amount: "0" }, 400, "REFUSED amount must be 1..10000000000 (got 0)"],
            [{ amount: "9999999999" }, 400, "REFUSED insufficient funds"],
            [{ currency: "840" }, 400, "REFUSED currency 840 not accepted (KRW, 410, only)"],
            [{ amount: "" }, 400, "REFUSED amount is required"],
        ]
        const before = [balance(ALICE), balance(MINSU)]
        for (const [fields, status, line] of cases) {
            const res = await ask(fields)
            expect([res.status, await res.text()], JSON.stringify(fields)).toEqual([status, line + "\n"])
        }
        expect((await ask({}, "application/json")).status).toBe(415)
        expect([balance(ALICE), balance(MINSU)]).toEqual(before)
    })
})

describe("the terminal, the card over infrared and the service provider", () => {
    test("the holder signs on the card: the terminal forwards the CMS once and the transfer is performed", async () => {
        const before = [balance(ALICE), balance(MINSU)]
        const c = card(alice)
        const { outcome, shown } = await terminal(c, "821012345678#15000#")
        expect(outcome).toEqual({ performed: true, forwarded: true, message: "OK PERFORMED\n15,000 KRW" })
        expect(shown.at(-1)).toBe("OK PERFORMED\n15,000 KRW")
        expect(c.signed.length).toBe(1)
        const id = parseHistory(c.shown[0]).id
        expect(service.store.transfer(id)).toMatchObject({ state: "performed", signerSubject: "Alice Kim", terminalId: TERMINAL })
        expect([balance(ALICE), balance(MINSU)]).toEqual([before[0] - 15000, before[1] + 15000])
        // The CMS took several responses over the 200-byte link.
        expect(c.signed[0].length).toBeGreaterThan(400)
        console.log(`CMS signature ${c.signed[0].length} bytes, history ${c.shown[0].length} bytes, ${c.commands.length} APDUs`)
    })

    test("a wrong password on the card (6982): nothing forwarded, nothing performed", async () => {
        const before = [balance(ALICE), balance(MINSU)]
        const c = card(alice, { polls: 1, answer: "wrong-password" })
        const { outcome } = await terminal(c, "821012345678#7000#")
        expect(outcome).toEqual({ performed: false, forwarded: false, message: "WRONG PASSWORD OR CANCELLED - NOT SIGNED" })
        expect(service.store.transfer(parseHistory(c.shown[0]).id)!.state).toBe("awaiting-signature")
        expect([balance(ALICE), balance(MINSU)]).toEqual(before)
    })

    test("a revoked certificate: the service's refusal and its reason on the display", async () => {
        const revoked = await enrolHolder(ca, "Alice Kim", ALICE_PHONE)
        ca.store.revoke(serialHex(AsnConvert.parse(revoked.certificate, Certificate)), CRL_REASON.keyCompromise)
        const before = balance(ALICE)
        const c = card(revoked)
        const { outcome, shown } = await terminal(c, "821012345678#2000#")
        expect(outcome).toMatchObject({ performed: false, forwarded: true, message: "REFUSED CERTIFICATE REVOKED (KEYCOMPROMISE)\n2,000 KRW" })
        expect(shown.at(-1)).toBe("REFUSED CERTIFICATE\nREVOKED\n(KEYCOMPROMISE)\n2,000 KRW")
        expect(service.store.transfer(parseHistory(c.shown[0]).id)).toMatchObject({ state: "refused", reason: "certificate revoked (keyCompromise)" })
        expect(balance(ALICE)).toBe(before)
    })

    test("the terminal's wrong token, and the service down: the reason, the card never asked", async () => {
        const c = card(alice)
        expect((await terminal(c, "821012345678#1000#", service.port, "not-the-token-000000")).shown.at(-1)).toBe("REFUSED UNKNOWN\nTERMINAL OR WRONG\nTOKEN\n1,000 KRW")
        const closed = await freePort()
        expect((await terminal(c, "821012345678#1000#", closed)).shown.at(-1)).toBe("SERVICE UNREACHABLE\nNOT SIGNED")
        expect(c.commands).toEqual([])
    })
})
