// The simulator's dashboard in real browsers: Debian's chromium and firefox-esr, both driven by
// puppeteer-core (chromium over the DevTools protocol, Firefox over WebDriver BiDi), run the same
// walk on the page the way a person would (the terminal's keypad clicked and typed, the card
// tapped with the page's control, the PIN clicked on the keypad, keys clicked on the card's
// keypad) and check what the page shows:
// the LCD's text, the OLED's receipt drawn pixel for pixel from the emulated SSD1306's display
// RAM, the messages in the sequence diagram, the ledger's row. Chromium saves the screenshot the
// README shows (docs/dashboard.png, rewritten when UPDATE_SCREENSHOT=1; otherwise, and always for
// Firefox, it goes to the system's temporary folder, so a test run leaves the tree as it was). The
// WebSocket refuses malformed controls and other origins.
// Each browser has its own simulator, which holds its project's Jacdac port like
// test/vm/simulator-flows.test.ts: it waits for the port if another test file has it. A browser
// that is not installed is skipped, saying so.

import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import puppeteer, { Browser, LaunchOptions, Page } from "puppeteer-core"
import { WebSocket } from "ws"
import { buildFirmware, type Firmware } from "../../sim/simulator/firmware"
import { Simulator } from "../../sim/simulator/simulator"
import { DashboardServer } from "../../sim/dashboard/dashboard-server"

interface BrowserUnderTest {
    name: string
    /** The Debian package that installs it. */
    apt: string
    launch: LaunchOptions & { executablePath: string }
    /** What the browser says it is, so a test never runs in another one unnoticed. */
    version: RegExp
    screenshot: string
}

const BROWSERS: BrowserUnderTest[] = [
    {
        name: "chromium",
        apt: "chromium",
        launch: { browser: "chrome", executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-component-update"] },
        version: /^(Headless)?Chrome\//,
        screenshot: process.env.UPDATE_SCREENSHOT === "1" ? "docs/dashboard.png" : join(tmpdir(), "activecard-dashboard.png"),
    },
    {
        name: "firefox",
        apt: "firefox-esr",
        launch: { browser: "firefox", executablePath: "/usr/bin/firefox-esr" },
        version: /^firefox\//,
        screenshot: join(tmpdir(), "activecard-dashboard-firefox.png"),
    },
]

/** Another test file may hold the bus port: wait for it rather than fail. */
const WAIT = 900_000
const SALE_MS = 300_000
const PAN = "9410000000000017"

let firmware: Promise<Firmware> | null = null

/** An element's text; "" when the page has no such element. */
async function text(page: Page, selector: string): Promise<string> {
    return await page.$$eval(selector, (els) => (els.length > 0 ? (els[0].textContent ?? "") : ""))
}

async function attribute(page: Page, selector: string, name: string): Promise<string | null> {
    return await page.$eval(selector, (e, n) => e.getAttribute(n), name)
}

/** The LCD's rows as the page shows them, trailing blanks trimmed. */
async function lcdRows(page: Page): Promise<string[]> {
    return (await text(page, "#lcd")).split("\n").map((r) => r.trimEnd())
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
        await page.waitForFunction(settled, { polling: 100, timeout: timeoutMs })
    } catch (e) {
        throw new Error(`the page's LCD never showed ${re} (${(e as Error).message.split("\n")[0]}); it shows:\n${(await lcdRows(page)).join("\n")}\n${detail()}`)
    }
    return await lcdRows(page)
}

/** Clicks the button whose accessible name is `name`, as a pointer would. */
async function clickButton(page: Page, name: string): Promise<void> {
    await page.locator(`::-p-aria([name=${JSON.stringify(name)}][role="button"])`).click()
}

async function clickKeys(page: Page, keys: string): Promise<void> {
    for (const k of keys) await clickButton(page, "key " + k)
}

/** The page's OLED canvas, one character per pixel ("1" lit), row by row. */
async function canvasPixels(page: Page): Promise<string> {
    return (await page.evaluate(`(() => {
        const c = document.getElementById("oled")
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data
        let s = ""
        for (let i = 0; i < d.length; i += 4) s += d[i + 1] > 110 ? "1" : "0"
        return s
    })()`)) as string
}

/** The emulated SSD1306's panel in the same form: its display RAM, as the panel lights it. */
function emulatorPixels(sim: Simulator): string {
    const oled = sim.chips!.oled
    let s = ""
    for (let y = 0; y < oled.height; y++) for (let x = 0; x < 128; x++) s += oled.lit() && (oled.entireDisplayOn || oled.pixel(x, y) !== oled.inverted) ? "1" : "0"
    return s
}

interface DiagramRow {
    className: string
    text: string
    via: string
    readable: string[]
    opaque: string[]
}

/** The sequence diagram's rows as the page shows them. */
async function diagramRows(page: Page): Promise<DiagramRow[]> {
    return (await page.evaluate(`Array.from(document.querySelectorAll("#diagram > li"), (li) => ({
        className: li.className,
        text: li.textContent,
        via: li.querySelector(".via")?.textContent ?? "",
        readable: Array.from(li.querySelectorAll(".readable"), (e) => e.textContent),
        opaque: Array.from(li.querySelectorAll(".opaque"), (e) => e.textContent),
    }))`)) as DiagramRow[]
}

/** The ledger's rows, cell by cell. */
async function ledgerRows(page: Page): Promise<string[][]> {
    return (await page.evaluate(`Array.from(document.querySelectorAll("#ledger tr"), (tr) => Array.from(tr.cells, (td) => td.textContent))`)) as string[][]
}

/**
 * Keeps every message the page's WebSockets receive in window.dashboardFrames: a script that runs
 * before the page's own, so both browsers record them the same way.
 */
const RECORD_FRAMES = `(() => {
    const Native = window.WebSocket
    window.dashboardFrames = []
    window.WebSocket = class extends Native {
        constructor(url, protocols) {
            super(url, protocols)
            this.addEventListener("message", (ev) => window.dashboardFrames.push(String(ev.data)))
        }
    }
})()`

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

for (const b of BROWSERS) {
    const present = existsSync(b.launch.executablePath)
    if (!present) console.log(`test/browser/dashboard.test.ts: ${b.name} skipped: no browser at ${b.launch.executablePath} (apt-get install ${b.apt})`)

    describe.skipIf(!present)(`the dashboard in ${b.name}`, () => {
        let sim: Simulator
        let dashboard: DashboardServer
        let browser: Browser
        let page: Page
        const pageErrors: string[] = []

        /** What the terminal showed and logged, for a failure's message. */
        const history = () => "terminal display history: " + sim.terminalDisplay.describe() + "\nterminal VM, last lines:\n" + (sim.terminalVm?.lines().slice(-20).join("\n") ?? "")

        beforeAll(async () => {
            firmware ??= buildFirmware()
            sim = await Simulator.start({ firmware: await firmware, waitForBusMs: WAIT, link: "nfc" })
            dashboard = await DashboardServer.start(sim, { port: 0 })
            // A fresh profile in a temporary folder, removed when the browser closes. A new tab gets
            // the viewport in both browsers (Firefox's first tab keeps its window's size).
            browser = await puppeteer.launch({ ...b.launch, headless: true, defaultViewport: { width: 1400, height: 1000 } })
            expect(await browser.version()).toMatch(b.version)
            page = await browser.newPage()
            page.on("pageerror", (e) => pageErrors.push(e instanceof Error ? e.message : String(e)))
            await page.evaluateOnNewDocument(RECORD_FRAMES)
        }, 1_200_000)

        afterAll(async () => {
            await browser?.close()
            await dashboard?.stop()
            await sim?.stop()
        })

        test("a whole sale clicked on the page: the LCD, the OLED's receipt from the chip's pixels, the diagram, the ledger", async () => {
            await page.goto(dashboard.url)
            await expect.poll(async () => await text(page, "#connection"), { timeout: 10_000 }).toBe("connected")
            await waitLcd(page, /^AMOUNT/, 60_000, history)

            // The merchant: the amount clicked on the keypad, the installments typed on the keyboard.
            await clickKeys(page, "12500#")
            await waitLcd(page, /^INSTALLMENTS/, 60_000, history)
            await page.keyboard.type("3#")
            await waitLcd(page, /^TAP CARD/, 60_000, history)

            // The holder: the card tapped with the page's control, the PIN clicked, masked on the LCD.
            await clickButton(page, "Tap on the reader (NFC)")
            await waitLcd(page, /^ENTER PIN$/, 60_000, history)
            expect(await text(page, "#field-state")).toBe("on the reader (NFC)")
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
            expect(await attribute(page, "#oled", "aria-label")).toContain(approval)
            // The card's status LED, as its simulated LED service holds it.
            const led = () => (sim.cardLed.color === "#000000" ? "status LED off" : "status LED " + sim.cardLed.color)
            await expect.poll(async () => (await attribute(page, "#led", "aria-label")) === led(), { timeout: 5000 }).toBe(true)

            // The sequence diagram: every field message, the terminal's readable and opaque parts, the server's line.
            const messages = async () => (await diagramRows(page)).filter((r) => r.className.split(" ").includes("msg"))
            await expect.poll(async () => (await messages()).length, { timeout: 10_000 }).toBe(sim.fieldLines().length)
            const rows = await messages()
            const challenges = rows.filter((r) => r.className.includes("from-server to-card") && r.text.includes("EAP-Request/AKA'-Challenge"))
            expect(challenges.length).toBe(1)
            const challenge = challenges[0]
            expect(challenge.readable.filter((t) => t.includes("AT_PAYMENT: amount 12500")).length).toBe(1)
            expect(challenge.opaque.filter((t) => t.includes("AT_RAND: 16-byte")).length).toBe(1)
            expect(challenge.via).toBe("RADIUS → NFC")
            const response = rows.filter((r) => r.className.includes("from-card to-server") && r.text.includes("EAP-Response/AKA'-Challenge"))
            expect(response.length).toBe(1)
            expect(response[0].opaque.filter((t) => t.includes("AT_MAC: 16-byte MAC")).length).toBe(1)
            expect(rows.some((r) => r.readable.some((t) => t.includes("card ID DEMO0001")))).toBe(true)
            const logLines = async () => (await diagramRows(page)).filter((r) => r.className === "log" && r.text.includes("TERM0001: 00 " + approvalNumber)).length
            await expect.poll(logLines, { timeout: 10_000 }).toBe(1)

            // The ledger, as the server recorded it: final once the card acknowledged the result.
            const row = async () => (await ledgerRows(page)).find((cells) => cells.join(" ").includes(approvalNumber)) ?? []
            await expect.poll(async () => (await row()).at(-1), { timeout: 15_000 }).toBe("final")
            expect((await row()).join(" ")).toContain("12,500 KRW, 3 months")
            expect((await row()).join(" ")).toContain("MERCHANT0001")

            // Nothing secret on the page or on its socket: no card number; the PIN only ever as asterisks.
            expect(await page.content()).not.toContain(PAN)
            const frames = (await page.evaluate("window.dashboardFrames")) as string[]
            expect(frames.length).toBeGreaterThan(10)
            expect(frames.some((f) => f.includes(PAN))).toBe(false)
            expect(frames.some((f) => f.includes('"key"'))).toBe(false) // keys pressed are never echoed back

            await page.screenshot({ path: b.screenshot as `${string}.png`, fullPage: true })

            // The card taken away, the result cleared with Escape (the keypad's *): ready for the next sale.
            await clickButton(page, "Pull the card away")
            await expect.poll(async () => await text(page, "#field-state")).toBe("away from the terminal")
            await page.keyboard.press("Escape")
            await waitLcd(page, /^AMOUNT/, 60_000, history)
            expect(pageErrors).toEqual([])
        }, SALE_MS)

        test("the server stopped and started, each board rebooted, from the page's controls", async () => {
            await clickButton(page, "Stop the server")
            await expect.poll(async () => await text(page, "#server-state"), { timeout: 30_000 }).toBe("stopped")
            expect(sim.server).toBeNull()
            expect(await page.$eval("#server-stop", (e) => e.hasAttribute("disabled"))).toBe(true)
            expect((await ledgerRows(page)).filter((cells) => cells.includes("final")).length).toBe(1) // the ledger as last read
            await clickButton(page, "Start the server")
            await expect.poll(async () => await text(page, "#server-state"), { timeout: 30_000 }).toBe("running")
            expect(sim.server).not.toBeNull()

            for (const board of ["card", "terminal"]) {
                const before = board === "card" ? sim.cardVm : sim.terminalVm
                await clickButton(page, "Reboot " + board)
                await expect.poll(async () => await text(page, "#busy")).toBe(`rebooting the ${board}…`)
                await expect.poll(async () => await page.$eval("#busy", (e) => e.hasAttribute("hidden")), { timeout: 90_000 }).toBe(true)
                expect(board === "card" ? sim.cardVm : sim.terminalVm).not.toBe(before)
                expect(await text(page, "#message")).toBe("")
            }
            // Both came back: the terminal asks for an amount, the card shows its idle screen.
            await waitLcd(page, /^AMOUNT/, 60_000, history)
            await expect.poll(async () => await attribute(page, "#oled", "aria-label"), { timeout: 10_000 }).toMatch(/^card display: ACTIVECARD/)
            expect(pageErrors).toEqual([])
        }, 240_000)

        test("the card's keypad clicked on the page: the digits masked on the card's OLED, then its idle screen", async () => {
            const oled = async () => await attribute(page, "#oled", "aria-label")
            await clickButton(page, "card key 4")
            await clickButton(page, "card key 2")
            await expect.poll(oled, { timeout: 20_000 }).toBe("card display: KEYPAD / **_")
            await clickButton(page, "card key #")
            await expect.poll(oled, { timeout: 20_000 }).toBe("card display: ACTIVECARD / READY")
            expect(pageErrors).toEqual([])
        }, 60_000)

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
            for (const t of bad) ws.send(t)
            ws.send(Buffer.from([1, 2, 3]), { binary: true })
            await until(() => messages.filter((m) => m.type === "error").length === bad.length + 1, 5000, "not every malformed message was refused")
            expect(messages.filter((m) => m.type === "error").every((m) => m.message!.startsWith("refused: "))).toBe(true)

            // Still working: a valid control is carried out and the page stays connected.
            ws.send('{"cmd":"tap","via":"infrared"}')
            await until(() => sim.chips!.held === "infrared", 5000, "the valid control after them was not carried out")
            await expect.poll(async () => await text(page, "#field-state")).toBe("in infrared sight")
            ws.send('{"cmd":"pull"}')
            await until(() => sim.chips!.held === null, 5000, "pull not carried out")

            // A message over the size limit closes that socket only.
            const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)))
            ws.send(JSON.stringify({ cmd: "key", key: "x".repeat(1000) }))
            expect(await closed).toBe(1009)
            const again = await openSocket(dashboard)
            await until(() => again.messages.some((m) => m.type === "boards"), 5000, "the dashboard stopped answering")
            again.ws.close()
            expect(await text(page, "#connection")).toBe("connected")
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
}
