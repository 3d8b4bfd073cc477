// The certificate functions on the simulated boards: the compiled card and terminal firmware in
// two VMs, the card's drivers against emulated chips (its keypad, its OLED, its infrared port and
// its modem's UART bridge), and in Node the CA (CMP), the bank (service provider) and the SMSC.
// One card goes through its life in order: enrolment refused while the CA is down, enrolment,
// a transfer signed after an SMS, an SMS for another holder, a payment signed over infrared, the
// card leaving infrared sight, a wrong password, a revoked certificate, and signing locked. The
// CMS the card produced is verified with GnuTLS where certtool is installed; no secret may appear
// in any log, display or trace. The simulator holds its project's Jacdac port
// (vitest.config.ts).

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildFirmware } from "../../sim/simulator/firmware"
import { Simulator } from "../../sim/simulator/simulator"
import { HOLDER, MERCHANT_ACCOUNT, type CertificateServices } from "../../sim/simulator/certificates"
import { enrolCard, holderSigns, shownSerial, signInfrared, signOnline } from "../../sim/simulator/certificate-flows"
import { formatTrace } from "../../sim/trace/field-trace"
import { SIGN_TRIES } from "../../src/certificate/signing-key"

/** Another simulator test file may hold the bus port: wait for it rather than fail. */
const WAIT = 900_000
const FLOW_MS = 400_000

function has(cmd: string): boolean {
    try {
        execFileSync(cmd, ["--version"], { stdio: "ignore" })
        return true
    } catch {
        return false
    }
}

let sim: Simulator
let certs: CertificateServices
const log: string[] = []
const password = "48151623"
const wrong = "11111111"
let letter: { reference: string; secret: string }
let serial: string | null = null
const dir = mkdtempSync(join(tmpdir(), "activecard-cert-flows-"))

beforeAll(async () => {
    const firmware = await buildFirmware()
    sim = await Simulator.start({ firmware, link: "infrared", certificates: true, waitForBusMs: WAIT, log: (l) => log.push(l) })
    certs = sim.certificates!
    letter = certs.readMailer(certs.registerHolder())
}, 1_200_000)

afterAll(async () => {
    await sim?.stop()
    rmSync(dir, { recursive: true, force: true })
})

/** What the VMs printed and both displays showed, and the field trace: where a secret must never appear. */
function everythingShown(): string {
    return [sim.cardVm?.output() ?? "", sim.terminalVm?.output() ?? "", sim.cardDisplay.describe(), sim.terminalDisplay.describe(), formatTrace(sim.fieldLines()), log.join("\n")].join("\n")
}

/** A transfer's state at the bank. */
async function stateOf(id: string): Promise<string> {
    return (await certs.transfer(id)).state
}

describe.sequential("certificate flows on the simulated card and terminal", () => {
    test("the CA down at enrolment: the card says so and stores nothing; the reference stays usable", async () => {
        await certs.stopCa()
        try {
            const r = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password })
            expect(r).toMatch(/^ENROL FAILED\nCA UNREACHABLE/)
        } finally {
            await certs.startCa()
        }
        expect(certs.serialsOf(letter.reference)).toEqual([])
        await sim.cardKeys("2")
        await sim.waitFor(() => sim.cardDisplay.last === "NO CERTIFICATE", 10_000, "the card did not say it has no certificate", () => sim.cardDisplay.describe())
    }, FLOW_MS)

    test("enrolment: the card shows ENROLLED and the serial of the certificate the CA issued", async () => {
        const r = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password })
        expect(r, sim.cardDisplay.describe()).toMatch(/^ENROLLED\n/)
        serial = shownSerial(r)
        const issued = certs.serialsOf(letter.reference)
        expect(issued).toHaveLength(1)
        expect(serial).not.toBeNull()
        expect(issued[0].toLowerCase().replace(/^0+/, "")).toContain((serial as string).replace(/^0+/, ""))
        expect(certs.ca.store.certificate(issued[0])?.status).toBe("good") // confirmed by certConf
    }, FLOW_MS)

    test("online: a transfer asked on the bank's page, the SMS, the history paged, the password: performed", async () => {
        const before = certs.signatures.length
        const r = await signOnline(sim, { amount: 50_000, password })
        expect(r.result, sim.cardDisplay.describe()).toMatch(/^OK performed/i)
        expect(r.status.state).toBe("performed")
        expect(r.pages.length).toBeGreaterThanOrEqual(2) // the history is longer than a page of three rows
        expect(r.pages.join("\n")).toContain("50,000 KRW")
        expect(certs.smsc.events.some((e) => e.kind === "delivered" && e.to === HOLDER.phone.slice(1))).toBe(true)
        expect(certs.modem.used()).toBe(0) // the card deleted the message it read
        expect(certs.signatures.length).toBe(before + 1)
        // Key 3 shows the receipt the card kept.
        const since = sim.cardDisplay.shown.length
        await sim.cardKeys("3")
        const at = await sim.cardDisplay.waitFor(/^RECEIPT\n/, 10_000, since, "the card showed no receipt", () => sim.cardDisplay.describe(since))
        await sim.waitFor(() => sim.cardDisplay.text === `RECEIPT\n${r.transfer.id}\nOK performed`, 10_000, "the receipt is not the transfer's", () => sim.cardDisplay.describe(at))
    }, FLOW_MS)

    test.skipIf(!has("certtool"))("the CMS the card produced verifies with GnuTLS certtool --p7-verify under the CA", () => {
        const cms = certs.signatures[certs.signatures.length - 1].cms
        const file = join(dir, "card.p7s")
        writeFileSync(file, cms)
        const caPem = certs.caCertificateFile
        // certtool prints the verdict on stderr.
        const r = spawnSync("certtool", ["--p7-verify", "--inder", "--infile", file, "--load-ca-certificate", caPem], { encoding: "utf8" })
        expect(r.status, r.stderr).toBe(0)
        const out = r.stdout + r.stderr
        expect(out).toContain("Signature status: ok")
        expect(out).toContain("EdDSA-Ed25519")
    })

    test("an SMS for another holder's transaction: NOT FOR THIS CARD, nothing signed", async () => {
        const since = sim.cardDisplay.shown.length
        // Minsu Park's transfer: its notice goes to his phone; the card gets one naming it all the same.
        const other = await certs.requestTransfer(7_000, MERCHANT_ACCOUNT, HOLDER.number)
        await certs.textCard(`ACSIGN ${other.id}`)
        const r = await holderSigns(sim, password, since, 120_000)
        expect(r.result).toBe("NOT FOR THIS CARD")
        expect(r.pages).toEqual([])
        expect(await stateOf(other.id)).toBe("awaiting-signature")
    }, FLOW_MS)

    test("infrared: terminal B, phone, amount; the card shows the history, the holder signs on it: performed", async () => {
        const r = await signInfrared(sim, { amount: 12_000, password })
        expect(r.terminal, sim.terminalDisplay.describe()).toMatch(/^OK PERFORMED/)
        expect(r.result).toMatch(/^SIGNED/)
        expect(r.pages.join("\n")).toContain("12,000 KRW")
        const whats = sim.fieldLines().map((l) => l.what)
        expect(whats).toContain("SIGN HISTORY")
        expect(whats).toContain("GET SIGNATURE")
    }, FLOW_MS)

    test("the card leaving infrared sight mid-transfer: the terminal says nothing was signed", async () => {
        const performedBefore = (await certs.service.store.accounts()).find((a) => a.number === HOLDER.number)?.balance
        const r = await signInfrared(sim, { amount: 3_000, password, pullWhen: (what) => what === "SIGN HISTORY", timeoutMs: 120_000 })
        // The terminal's 20 columns put "NOT SIGNED" on a line of its own.
        expect(r.terminal).toMatch(/^(CARD LOST|NO SIGNATURE IN TIME|NO CARD)( -|\n)+ ?NOT SIGNED/)
        expect((await certs.service.store.accounts()).find((a) => a.number === HOLDER.number)?.balance).toBe(performedBefore)
    }, FLOW_MS)

    test("a wrong password: counted, the tries left shown, nothing signed", async () => {
        const r = await signOnline(sim, { amount: 1_000, password: wrong })
        expect(r.result).toBe(`WRONG PASSWORD\n${SIGN_TRIES - 1} LEFT`)
        expect(r.status.state).toBe("awaiting-signature")
    }, FLOW_MS)

    test("a certificate revoked at the CA between enrolment and signing: the service refuses, the card shows why", async () => {
        expect(certs.revoke(letter.reference).length).toBe(1)
        const r = await signOnline(sim, { amount: 2_000, password })
        expect(r.result).toMatch(/^REFUSED\s[\s\S]*revoked/i)
        expect(r.status.state).toBe("refused")
        expect(r.status.reason).toMatch(/revoked/i)
    }, FLOW_MS)

    test("signing locked after the limit of wrong passwords, even for the right one", async () => {
        // The right password above reset the count: each wrong one now shows one try fewer, until the lock.
        const seen: string[] = []
        for (let i = 0; i <= SIGN_TRIES && seen[seen.length - 1] !== "SIGNING LOCKED"; i++) seen.push((await signOnline(sim, { amount: 100 + i, password: wrong })).result)
        expect(seen[seen.length - 1]).toBe("SIGNING LOCKED")
        seen.slice(0, -1).forEach((t, i) => expect(t).toBe(`WRONG PASSWORD\n${SIGN_TRIES - 1 - i} LEFT`))
        const r = await signOnline(sim, { amount: 999, password })
        expect(r.result).toBe("SIGNING LOCKED")
        expect(r.status.state).toBe("awaiting-signature")
    }, 1_800_000)

    test("no secret, password or reference-and-secret pair in any card or terminal log, display or trace", () => {
        const all = everythingShown()
        expect(all).not.toContain(letter.secret)
        expect(all).not.toContain(password)
        expect(all).not.toContain(wrong)
        expect(all).not.toContain(certs.terminalToken)
    })
})
