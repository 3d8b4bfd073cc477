// The simulator's dashboard in a real browser: Debian's chromium, driven by playwright-core, runs
// a whole sale on the page the way a person would (the terminal's keypad clicked and typed, the
// card tapped with the page's control, the PIN clicked on the keypad) and checks what the page
// shows: the LCD's text, the OLED's receipt drawn pixel for pixel from the emulated SSD1306's
// display RAM, the messages in the sequence diagram, the ledger's row. It saves the screenshot the
// README shows (docs/dashboard.png, rewritten when UPDATE_SCREENSHOT=1; otherwise it goes to the
// system's temporary folder, so a test run leaves the tree as it was). The WebSocket refuses malformed controls and other origins.
// The simulator holds the Jacdac port 8082 like test/vm/simulator-flows.test.ts: it waits for the
// port if another test file has it. Without /usr/bin/chromium the file says so and skips.

import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { chromium, BrowserContext, Page } from "playwright-core"
import { WebSocket } from "ws"
import { buildFirmware } from "../../sim/simulator/firmware"
import { Simulator } from "../../sim/simulator/simulator"
import { DashboardServer } from "../../sim/dashboard/dashboard-server"

const CHROMIUM = "/usr/bin/chromium"
const hasBrowser = existsSync(CHROMIUM)
if (!hasBrowser) console.log(`test/browser/dashboard.test.ts skipped: no browser at ${CHROMIUM} (apt-get install chromium)`)
/** Another test file may hold the bus port: wait for it rather than fail. */
const WAIT = 900_000
const SALE_MS = 300_000
const PAN = "9410000000000017"
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === "1" ? "docs/dashboard.png" : join(tmpdir(), "activecard-dashboard.png")

/** The LCD's rows as the page shows them, trailing blanks trimmed. */
async function lcdRows(page: Page): Promise<string[]> {
    return ((await page.locator("#lcd").textContent()) ?? "").split("\n").map((r) => r.trimEnd())
}

/**
 * Waits until the page's LCD shows a first row matching `re` and the text has not changed for a
 * moment (the firmware writes a row at a time). The browser polls, so the test's process, which
 * also serves the simulated I2C buses, stays free.
 */
async function waitLcd(page: Page, re: RegExp, timeoutMs = 60_000, detail: () => string = () => ""): Promise<string[]> {
    const settled = `((source) => {
        const rows = document.getElementById("lcd").textContent.split("\\n").map((r) => r.trimEnd())
        const text = rows.join("\\n")
        if (window.lcdSeen !== text) {
            window.lcdSeen = text
            window.lcdSince = performance.now()
            return false
        }
        return new RegExp(source).test(rows[0]) && performance.now() - window.lcdSince >= 300
    })(${JSON.stringify(re.source)})`
    try {
        await page.waitForFunction(settled, null, { polling: 100, timeout: timeoutMs })
    } catch (e) {
        throw new Error(`the page's LCD never showed ${re} (${(e as Error).message.split("\n")[0]}); it shows:\n${(await lcdRows(page)).join("\n")}\n${detail()}`)
    }
    return await lcdRows(page)
}

async function clickKeys(page: Page, keys: string): Promise<void> {
    for (const k of keys) await page.getByRole("button", { name: "key " + k, exact: true }).click()
}

/** The page's OLED canvas, one character per pixel ("1" lit), row by row. */
async function canvasPixels(page: Page): Promise<string> {
    return await page.evaluate(`(() => {
        const c = document.getElementById("oled")
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data
        let s = ""
        for (let i = 0; i < d.length; i += 4) s += d[i + 1] > 110 ? "1" : "0"
        return s
    })()`)
}

/** The emulated SSD1306's panel in the same form: its display RAM, as the panel lights it. */
function emulatorPixels(sim: Simulator): string {
    const oled = sim.chips!.oled
    let s = ""
    for (let y = 0; y < oled.height; y++) for (let x = 0; x < 128; x++) s += oled.lit() && (oled.entireDisplayOn || oled.pixel(x, y) !== oled.inverted) ? "1" : "0"
    return s
}

/** Opens a socket to the dashboard from Node, with the Origin a page of its own would send unless told otherwise. */
async function openSocket(dashboard: DashboardServer, origin = dashboard.url.replace(/\/$/, "")): Promise<{ ws: WebSocket; messages: { type: string; message?: string }[] }> {
    const ws = new WebSocket(dashboard.url.replace(/^http/, "ws") + "ws", { headers: { Origin: origin } })
    const messages: { type: string; message?: string }[] = []
    ws.on("message", (data) => messages.push(JSON.parse(data.toString())))
    await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve())
        ws.once("error", reject)
    })
    return { ws, messages }
}

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!ok()) {
        if (Date.now() > deadline) throw new Error(what)
        await new Promise((r) => setTimeout(r, 20))
    }
}

describe.skipIf(!hasBrowser)("the dashboard in chromium", () => {
    let sim: Simulator
    let dashboard: DashboardServer
    let context: BrowserContext
    let page: Page
    let profile = ""
    const pageErrors: string[] = []
    /** Every message the page received over its WebSocket. */
    const frames: string[] = []

    /** What the terminal showed and logged, for a failure's message. */
    const history = () => "terminal display history: " + sim.terminalDisplay.describe() + "\nterminal VM, last lines:\n" + (sim.terminalVm?.lines().slice(-20).join("\n") ?? "")

    beforeAll(async () => {
        const firmware = await buildFirmware()
        sim = await Simulator.start({ firmware, waitForBusMs: WAIT, link: "nfc" })
        dashboard = await DashboardServer.start(sim, { port: 0 })
        profile = mkdtempSync(join(tmpdir(), "activecard-chromium-"))
        context = await chromium.launchPersistentContext(profile, {
            executablePath: CHROMIUM,
            headless: true,
            args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            viewport: { width: 1400, height: 1000 },
            // The page forbids eval (its Content-Security-Policy); the test's in-page waits need it.
            bypassCSP: true,
        })
        page = context.pages()[0] ?? (await context.newPage())
        page.on("pageerror", (e) => pageErrors.push(e.message))
        page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))))
    }, 1_200_000)

    afterAll(async () => {
        await context?.close()
        await dashboard?.stop()
        await sim?.stop()
        if (profile) rmSync(profile, { recursive: true, force: true })
    })

    test("a whole sale clicked on the page: the LCD, the OLED's receipt from the chip's pixels, the diagram, the ledger", async () => {
        await page.goto(dashboard.url)
        await expect.poll(async () => await page.locator("#connection").textContent(), { timeout: 10_000 }).toBe("connected")
        await waitLcd(page, /^AMOUNT/, 60_000, history)

        // The merchant: the amount clicked on the keypad, the installments typed on the keyboard.
        await clickKeys(page, "12500#")
        await waitLcd(page, /^INSTALLMENTS/, 60_000, history)
        await page.keyboard.type("3#")
        await waitLcd(page, /^TAP CARD/, 60_000, history)

        // The holder: the card tapped with the page's control, the PIN clicked, masked on the LCD.
        await page.getByRole("button", { name: "Tap on the reader (NFC)" }).click()
        await waitLcd(page, /^ENTER PIN$/, 60_000, history)
        expect(await page.locator("#field-state").textContent()).toBe("on the reader (NFC)")
        await clickKeys(page, sim.pin)
        await expect.poll(async () => (await lcdRows(page))[1], { timeout: 10_000 }).toBe("*".repeat(sim.pin.length))
        const masked = await lcdRows(page)
        expect(masked[0]).toBe("ENTER PIN")
        expect(masked.join("\n")).not.toMatch(/\d/)
        await clickKeys(page, "#")

        const result = await waitLcd(page, /^(APPROVED|DECLINED|WRONG PIN|CARD|SERVER)/, 60_000, history)
        expect(result[0], result.join("\n") + "\n" + history()).toMatch(/^APPROVED \d{6}$/)
        expect(result[1]).toBe("12,500 KRW, 3 MONTHS")
        const approval = result[0]
        const approvalNumber = approval.slice("APPROVED ".length)

        // The card's OLED: its receipt, drawn on the canvas from the emulated chip's display RAM.
        await sim.waitFor(() => sim.cardDisplay.last === approval, 10_000, "the card never showed its receipt", () => sim.cardDisplay.shown.join(" // "))
        expect(sim.chips!.oled.textLines()[0]).toBe(approval)
        const differing = async () => {
            const drawn = await canvasPixels(page)
            const held = emulatorPixels(sim)
            return held.split("").filter((p, i) => p !== drawn[i]).length
        }
        await expect.poll(differing, { timeout: 10_000, message: "pixels of the canvas that differ from the SSD1306's display RAM" }).toBe(0)
        const lit = (await canvasPixels(page)).split("").filter((p) => p === "1").length
        expect(lit).toBeGreaterThan(100) // "APPROVED 000001" in a 5x7 font
        expect(await page.locator("#oled").getAttribute("aria-label")).toContain(approval)
        // The card's status LED, as its simulated LED service holds it.
        const led = () => (sim.cardLed.color === "#000000" ? "status LED off" : "status LED " + sim.cardLed.color)
        await expect.poll(async () => (await page.locator("#led").getAttribute("aria-label")) === led(), { timeout: 5000 }).toBe(true)

        // The sequence diagram: every field message, the terminal's readable and opaque parts, the server's line.
        const diagram = page.locator("#diagram")
        await expect.poll(async () => await diagram.locator("li.msg").count(), { timeout: 10_000 }).toBe(sim.fieldLines().length)
        const challenge = diagram.locator("li.msg.from-server.to-card", { hasText: "EAP-Request/AKA'-Challenge" })
        await expect.poll(async () => await challenge.count()).toBe(1)
        expect(await challenge.locator(".readable", { hasText: "AT_PAYMENT: amount 12500" }).count()).toBe(1)
        expect(await challenge.locator(".opaque", { hasText: "AT_RAND: 16-byte" }).count()).toBe(1)
        expect(await challenge.locator(".via").textContent()).toBe("RADIUS → NFC")
        const response = diagram.locator("li.msg.from-card.to-server", { hasText: "EAP-Response/AKA'-Challenge" })
        expect(await response.locator(".opaque", { hasText: "AT_MAC: 16-byte MAC" }).count()).toBe(1)
        expect(await diagram.locator(".readable", { hasText: "card ID DEMO0001" }).count()).toBeGreaterThan(0)
        await expect.poll(async () => await diagram.locator("li.log", { hasText: "TERM0001: 00 " + approvalNumber }).count(), { timeout: 10_000 }).toBe(1)

        // The ledger, as the server recorded it: final once the card acknowledged the result.
        const row = page.locator("#ledger tr", { hasText: approvalNumber })
        await expect.poll(async () => await row.locator("td").last().textContent(), { timeout: 15_000 }).toBe("final")
        expect(await row.textContent()).toContain("12,500 KRW, 3 months")
        expect(await row.textContent()).toContain("MERCHANT0001")

        // Nothing secret on the page or on its socket: no card number; the PIN only ever as asterisks.
        expect(await page.content()).not.toContain(PAN)
        expect(frames.length).toBeGreaterThan(10)
        expect(frames.some((f) => f.includes(PAN))).toBe(false)
        expect(frames.some((f) => f.includes('"key"'))).toBe(false) // keys pressed are never echoed back

        await page.screenshot({ path: SCREENSHOT, fullPage: true })

        // The card taken away, the result cleared with Escape (the keypad's *): ready for the next sale.
        await page.getByRole("button", { name: "Pull the card away" }).click()
        await expect.poll(async () => await page.locator("#field-state").textContent()).toBe("away from the terminal")
        await page.keyboard.press("Escape")
        await waitLcd(page, /^AMOUNT/, 60_000, history)
        expect(pageErrors).toEqual([])
    }, SALE_MS)

    test("the server stopped and started, each board rebooted, from the page's controls", async () => {
        await page.getByRole("button", { name: "Stop the server" }).click()
        await expect.poll(async () => await page.locator("#server-state").textContent(), { timeout: 30_000 }).toBe("stopped")
        expect(sim.server).toBeNull()
        expect(await page.getByRole("button", { name: "Stop the server" }).isDisabled()).toBe(true)
        expect(await page.locator("#ledger tr", { hasText: "final" }).count()).toBe(1) // the ledger as last read
        await page.getByRole("button", { name: "Start the server" }).click()
        await expect.poll(async () => await page.locator("#server-state").textContent(), { timeout: 30_000 }).toBe("running")
        expect(sim.server).not.toBeNull()

        for (const board of ["card", "terminal"]) {
            const before = board === "card" ? sim.cardVm : sim.terminalVm
            await page.getByRole("button", { name: "Reboot " + board }).click()
            await expect.poll(async () => await page.locator("#busy").textContent()).toBe(`rebooting the ${board}…`)
            await expect.poll(async () => await page.locator("#busy").isHidden(), { timeout: 90_000 }).toBe(true)
            expect(board === "card" ? sim.cardVm : sim.terminalVm).not.toBe(before)
            expect(await page.locator("#message").textContent()).toBe("")
        }
        // Both came back: the terminal asks for an amount, the card shows its idle screen.
        await waitLcd(page, /^AMOUNT/, 60_000, history)
        await expect.poll(async () => await page.locator("#oled").getAttribute("aria-label"), { timeout: 10_000 }).toMatch(/^card display: ACTIVECARD/)
        expect(pageErrors).toEqual([])
    }, 240_000)

    test("malformed messages on the socket are refused, one by one, and the dashboard goes on", async () => {
        const { ws, messages } = await openSocket(dashboard)
        await until(() => messages.some((m) => m.type === "ledger"), 5000, "no initial state")
        const bad = [
            "not json",
            "[1,2,3]",
            "null",
            '{"cmd":"format"}',
            '{"cmd":"__proto__"}',
            '{"cmd":"toString"}',
            '{"cmd":"key"}',
            '{"cmd":"key","key":"12"}',
            '{"cmd":"key","key":1}',
            '{"cmd":"key","key":"1","then":"reboot"}',
            '{"cmd":"tap","via":"radio"}',
            '{"cmd":"server","action":"restart"}',
            '{"cmd":"reboot","board":{"toString":"card"}}',
        ]
        for (const text of bad) ws.send(text)
        ws.send(Buffer.from([1, 2, 3]), { binary: true })
        await until(() => messages.filter((m) => m.type === "error").length === bad.length + 1, 5000, "not every malformed message was refused")
        expect(messages.filter((m) => m.type === "error").every((m) => m.message!.startsWith("refused: "))).toBe(true)

        // Still working: a valid control is carried out and the page stays connected.
        ws.send('{"cmd":"tap","via":"infrared"}')
        await until(() => sim.chips!.held === "infrared", 5000, "the valid control after them was not carried out")
        await expect.poll(async () => await page.locator("#field-state").textContent()).toBe("in infrared sight")
        ws.send('{"cmd":"pull"}')
        await until(() => sim.chips!.held === null, 5000, "pull not carried out")

        // A message over the size limit closes that socket only.
        const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)))
        ws.send(JSON.stringify({ cmd: "key", key: "x".repeat(1000) }))
        expect(await closed).toBe(1009)
        const again = await openSocket(dashboard)
        await until(() => again.messages.some((m) => m.type === "boards"), 5000, "the dashboard stopped answering")
        again.ws.close()
        expect(await page.locator("#connection").textContent()).toBe("connected")
        expect(pageErrors).toEqual([])
    }, 60_000)

    test("only the dashboard's own pages may connect", async () => {
        for (const origin of ["http://evil.example", "null", `http://127.0.0.2:${new URL(dashboard.url).port}`]) {
            await expect(openSocket(dashboard, origin)).rejects.toThrow(/403/)
        }
        const response = await fetch(dashboard.url + "../../package.json")
        expect(response.status).toBe(404)
    }, 30_000)
})
