// The service provider's transfer page in Debian's chromium, driven by puppeteer-core the way a
// person uses it: the form filled and submitted, then the status followed live (Server-Sent
// Events) while the test plays the card (a software signer fetching the history and posting its
// CMS signature, with a key enrolled at a real CA). The page shows the transfer performed and who
// signed; a revoked certificate's signature shows refused with the reason; a request the bank
// refuses shows why on the form. The screenshot the docs show is docs/service-page.png, rewritten
// when UPDATE_SCREENSHOT=1 (otherwise it goes to the system's temporary folder). Without chromium
// the test is skipped, saying so.

import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import puppeteer, { type Browser, type Page } from "puppeteer-core"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import { CaServer } from "../../sim/ca/ca-server"
import { CRL_REASON } from "../../sim/ca/ca-store"
import { ServiceServer } from "../../sim/service/service-server"
import { serialHex } from "../../sim/service/signature-check"
import { RecordingSmsSender } from "../../sim/service/sms-sender"
import { enrolHolder, type EnrolledHolder } from "../support/ca-enrol"
import { signCms } from "../support/cms-signer"

const CHROMIUM = "/usr/bin/chromium"
const present = existsSync(CHROMIUM)
if (!present) console.log(`test/browser/service-page.test.ts: skipped: no browser at ${CHROMIUM} (apt-get install chromium)`)
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === "1" ? "docs/service-page.png" : join(tmpdir(), "activecard-service-page.png")
const ALICE = "110-234-567890"
const MINSU = "220-987-654321"
const PHONE = "+821012345678"

describe.skipIf(!present)("the service provider's transfer page in chromium", () => {
    let dir: string
    let ca: CaServer
    let service: ServiceServer
    let browser: Browser
    let page: Page
    let alice: EnrolledHolder
    const sms = new RecordingSmsSender()
    const pageErrors: string[] = []

    beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), "activecard-service-page-"))
        ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
        service = await ServiceServer.start({ dataDir: join(dir, "service"), port: 0, caCertificate: join(dir, "ca", "ca.pem"), sms, log: () => {} })
        alice = await enrolHolder(ca, "Alice Kim", PHONE)
        browser = await puppeteer.launch({ browser: "chrome", executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-component-update"], headless: true, defaultViewport: { width: 1200, height: 640 } })
        page = await browser.newPage()
        page.on("pageerror", (e) => pageErrors.push(e instanceof Error ? e.message : String(e)))
    }, 60_000)

    afterAll(async () => {
        await browser?.close()
        await service?.stop()
        await ca?.stop()
        if (dir) rmSync(dir, { recursive: true, force: true })
    })

    async function text(selector: string): Promise<string> {
        return await page.$eval(selector, (e) => e.textContent ?? "")
    }

    /** The balances column of the page's accounts table. */
    async function balances(): Promise<string[]> {
        return (await page.evaluate(`Array.from(document.querySelectorAll("#accounts tbody tr"), (tr) => tr.cells[2].textContent)`)) as string[]
    }

    /** Fills the form by its labels, as a person would, and submits it with the button. */
    async function askTransfer(amount: string, phone = PHONE): Promise<void> {
        await page.locator('::-p-aria([name="From account"])').wait()
        await page.select("#from", ALICE)
        for (const [label, value] of [["To account", MINSU], ["Amount (KRW)", amount], ["Phone number of your card", phone]]) {
            const field = page.locator(`::-p-aria([name=${JSON.stringify(label)}])`)
            await field.fill(value)
        }
        await page.locator('::-p-aria([name="Ask for the transfer"][role="button"])').click()
    }

    /** The card's part, after the SMS notice: fetch the history, sign it, post the signature. */
    async function playCard(holder: EnrolledHolder): Promise<{ id: string; line: string }> {
        const notice = await sms.next()
        const id = notice.text.replace(/^ACSIGN /, "")
        const history = Buffer.from(await (await fetch(`${service.baseUrl}/card/history/${id}`)).arrayBuffer())
        expect(await text("#history")).toBe(history.toString("latin1"))
        const res = await fetch(`${service.baseUrl}/card/signature/${id}`, { method: "POST", headers: { "content-type": "application/pkcs7-mime" }, body: signCms(history, holder.certificate, holder.key) })
        return { id, line: (await res.text()).trim() }
    }

    test("a transfer asked on the page, signed by the card: the page shows it performed and who signed", async () => {
        await page.goto(service.baseUrl)
        await expect.poll(async () => (await page.$$("#from option")).length, { timeout: 10_000 }).toBe(2)
        await askTransfer("150,000")
        await expect.poll(async () => await page.$eval("#status", (e) => e.getAttribute("data-state")), { timeout: 10_000 }).toBe("awaiting-signature")
        expect(await text("#status")).toMatch(/^Waiting for your card's signature/)

        const { id, line } = await playCard(alice)
        expect(line).toBe("OK performed")
        expect(await text("#transaction-id")).toBe(id)
        await expect.poll(async () => await text("#status"), { timeout: 10_000 }).toBe("Performed.")
        const serial = service.store.transfer(id)!.signerSerial
        expect(await text("#signer")).toBe(`Alice Kim (certificate serial ${serial})`)
        // The balances on the page, read again once the transfer is performed.
        await expect.poll(async () => await balances(), { timeout: 10_000 }).toEqual(["4,850,000", "1,150,000"])
        await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true })
        expect(pageErrors).toEqual([])
    }, 60_000)

    test("a signature by a revoked certificate: the page shows the transfer refused, with the reason and the signer", async () => {
        const revoked = await enrolHolder(ca, "Alice Kim", PHONE)
        const serial = serialHex(AsnConvert.parse(revoked.certificate, Certificate))
        ca.store.revoke(serial, CRL_REASON.keyCompromise)
        await askTransfer("20000")
        await expect.poll(async () => await page.$eval("#status", (e) => e.getAttribute("data-state")), { timeout: 10_000 }).toBe("awaiting-signature")
        const { line } = await playCard(revoked)
        expect(line).toBe("REFUSED certificate revoked (keyCompromise)")
        await expect.poll(async () => await text("#status"), { timeout: 10_000 }).toBe("Refused: certificate revoked (keyCompromise).")
        expect(await text("#signer")).toBe(`Alice Kim (certificate serial ${serial})`)
        expect(await balances()).toEqual(["4,850,000", "1,150,000"])
        expect(pageErrors).toEqual([])
    }, 60_000)

    test("a request the bank refuses shows why on the form, and no SMS goes out", async () => {
        const sent = sms.sent.length
        await askTransfer("1000", "+821055556666")
        await expect.poll(async () => await text("#form-error"), { timeout: 10_000 }).toBe(`+821055556666 is not the phone number registered for account ${ALICE}`)
        expect(await page.$eval("#submit", (e) => e.hasAttribute("disabled"))).toBe(false)
        expect(sms.sent.length).toBe(sent)
        expect(pageErrors).toEqual([])
    }, 30_000)
})
