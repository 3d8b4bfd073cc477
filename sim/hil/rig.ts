// The hardware-in-the-loop rig: the real boards on a Jacdac bus (USB serial through
// `devs devtools --serial`), the payment server in Node, and a rig device on the bus with a
// keypad and a screen that the terminal firmware also uses (it types on the rig's keypad and
// mirrors its display to the rig's screen). The rig deploys both firmwares, connects the terminal
// to Wi-Fi, writes its settings, personalizes the card over its Card Link service, then drives
// sales. The card stays on the reader (or in sight of the infrared port): a fixture, or a person.

import { readFileSync } from "node:fs"
import { join } from "node:path"
import { CMD_GET_REG, SimCharacterScreen, SimMatrixKeypad } from "../jacdac/peripherals"
import { SimDevice } from "../jacdac/sim-device"
import { BusClient } from "./bus-client"
import { deployBytecode, SRV_DEVICESCRIPT_MANAGER } from "./deploy"
import { SRV_CARD_LINK } from "../simulator/remote-service"
import type { Firmware } from "../simulator/firmware"
import { KEYPAD_LABELS } from "../simulator/boards"
import { DisplayHistory } from "../simulator/display-history"
import { MERCHANT_ID, TERMINAL_ID } from "../simulator/simulator"
import { RESULT_TEXT } from "../simulator/sale"
import { PaymentServer } from "../server/payment-server"
import { CardProfile as ProfileFile, provisionCard, provisionTerminal, terminalSettings, writeCardFiles } from "../server/provision"
import { personalizeCard } from "../card/personalization"
import { ROOT } from "../vm/devs-cli"

export const RIG_DEVICE = "ac0000000000f001"
const SRV_WIFI = 413852154
const WIFI_CMD_ADD_NETWORK = 0x81
const WIFI_REG_IP_ADDRESS = 0x181
const CONTROL_REG_PRODUCT_ID = 0x181
/** The productId of each board definition (boards/*.board.json), which its runtime announces. */
function productIdOf(board: string): number {
    return parseInt(JSON.parse(readFileSync(join(ROOT, "boards", board + ".board.json"), "utf8")).productId)
}

export interface RigOptions {
    firmware: Firmware
    bus: BusClient
    dataDir: string
    /** The terminal joins this network (skipped when the terminal has no Wi-Fi service: a VM). */
    wifi: { ssid: string; password: string } | null
    /** This machine's address as the terminal reaches it. */
    serverHost: string
    log: (line: string) => void
}

export interface SaleOutcome {
    display: string
    approved: boolean
}

export class Rig {
    readonly keypad = new SimMatrixKeypad(4, 3, KEYPAD_LABELS)
    readonly screen = new SimCharacterScreen(4, 20)
    readonly device = new SimDevice(RIG_DEVICE, [this.screen, this.keypad])
    readonly history = new DisplayHistory(this.screen)
    server: PaymentServer | null = null
    card = ""
    terminal = ""
    pin = ""
    private tcpPort = 0

    constructor(private readonly o: RigOptions) {
        o.bus.attach(this.device)
    }

    /** DeviceScript runtimes on the bus, by the product id their board definition gave them. */
    async findBoards(timeoutMs: number): Promise<void> {
        const cardProduct = productIdOf("activecard_card")
        const terminalProduct = productIdOf("activecard_terminal")
        const deadline = Date.now() + timeoutMs
        while (Date.now() < deadline && (this.card === "" || this.terminal === "")) {
            for (const id of this.o.bus.watcher.devicesWith(SRV_DEVICESCRIPT_MANAGER)) {
                if (id === this.card || id === this.terminal) continue
                const p = await this.o.bus.watcher.request(this.device, id, 0, CMD_GET_REG | CONTROL_REG_PRODUCT_ID, Buffer.alloc(0), () => true, 2000).catch(() => null)
                const product = p && p.length >= 4 ? p.readUInt32LE(0) : -1
                if (product === cardProduct) this.card = id
                else if (product === terminalProduct) this.terminal = id
                else this.o.log(`a DeviceScript runtime ${id} with product id 0x${(product >>> 0).toString(16)} is neither board (flash it with --board activecard_card or activecard_terminal)`)
            }
            await new Promise((r) => setTimeout(r, 500))
        }
        if (this.card === "" || this.terminal === "") throw new Error(`boards found: card ${this.card || "none"}, terminal ${this.terminal || "none"}`)
    }

    async deploy(): Promise<void> {
        await deployBytecode(this.o.bus, this.device, this.card, readFileSync(this.o.firmware.card.devsFile))
        await deployBytecode(this.o.bus, this.device, this.terminal, readFileSync(this.o.firmware.terminal.devsFile))
    }

    /** Wi-Fi for the terminal, and the address it got (the server knows a terminal by its address). */
    async connectTerminal(timeoutMs: number): Promise<string> {
        const w = this.o.bus.watcher
        if (this.o.wifi === null || w.serviceIndex(this.terminal, SRV_WIFI) < 0) return "127.0.0.1"
        const net = Buffer.from(this.o.wifi.ssid + "\0" + this.o.wifi.password + "\0", "utf8")
        await w.send(this.device, this.terminal, SRV_WIFI, WIFI_CMD_ADD_NETWORK, net)
        const deadline = Date.now() + timeoutMs
        while (Date.now() < deadline) {
            const ip = await w.request(this.device, this.terminal, SRV_WIFI, CMD_GET_REG | WIFI_REG_IP_ADDRESS, Buffer.alloc(0), () => true, 2000).catch(() => null)
            if (ip && ip.length === 4 && ip.readUInt32LE(0) !== 0) return [...ip].join(".")
            await new Promise((r) => setTimeout(r, 1000))
        }
        throw new Error("the terminal did not get an address on Wi-Fi " + this.o.wifi.ssid)
    }

    async startServer(): Promise<void> {
        this.server = await PaymentServer.start({ dataDir: join(this.o.dataDir, "server"), host: "0.0.0.0", udpPort: 0, tcpPort: this.tcpPort, log: (l) => this.o.log("[server] " + l) })
        this.tcpPort = this.server.tcp.port
    }

    async stopServer(): Promise<void> {
        const s = this.server
        this.server = null
        if (s) await s.stop()
    }

    /** Issues the card and the terminal in the server, personalizes the card, configures the terminal. */
    async provision(terminalAddress: string): Promise<void> {
        const store = this.server!.store
        const issued = await provisionCard(store, { cardId: "HIL00001", pan: "9410000000000025", holder: "HIL HOLDER", currency: 410, balance: 5_000_000, limit: 2_000_000, realm: "pay.activecard.example", networkName: "", noPinLimit: 0 })
        this.pin = issued.pin
        const profileFile = join(this.o.dataDir, "card-profile.json")
        writeCardFiles(profileFile, issued.profile, issued.pin)
        const file = JSON.parse(readFileSync(profileFile, "utf8")) as ProfileFile
        const w = this.o.bus.watcher
        // Only the card serves the Card Link (the terminal reaches cards through its reader).
        const link = await this.waitFor(() => w.devicesWith(SRV_CARD_LINK)[0] ?? "", 30_000, "the card's Card Link service")
        let seq = 1
        try {
            await personalizeCard(file, true, async (apdu) => await w.transceive(this.device, link, seq++, apdu, 5000))
        } catch (e) {
            // 6A86 on the first block: already personalized by an earlier run, while the server's profile is new.
            throw new Error((e as Error).message + " (erase the card's settings to run again)")
        }
        const t = await provisionTerminal(store, terminalAddress, TERMINAL_ID, MERCHANT_ID, this.o.serverHost, this.tcpPort)
        for (const [k, v] of terminalSettings(t, 410)) await w.writeSetting(this.device, this.terminal, k, Buffer.from(v, "utf8"))
        await this.waitTerminal(/^AMOUNT/, 60_000, 0)
    }

    async keys(text: string): Promise<void> {
        for (const k of text) {
            this.keypad.press(k)
            await new Promise((r) => setTimeout(r, 150))
        }
    }

    async waitTerminal(re: RegExp, timeoutMs: number, since: number): Promise<number> {
        return await this.history.waitFor(re, timeoutMs, since, `timed out waiting for the terminal showing ${re}`, () => `it showed: ${this.history.describe(since)}`)
    }

    /** One sale with the card held on the terminal: amount, no installments, the PIN when asked. */
    async sale(amount: number, pin: string): Promise<SaleOutcome> {
        const since = this.history.shown.length
        await this.waitTerminal(/^AMOUNT/, 30_000, Math.max(0, since - 1))
        await this.keys(String(amount) + "#0#")
        const asked = await this.waitTerminal(new RegExp("^ENTER PIN|" + RESULT_TEXT.source.slice(1)), 60_000, since)
        if (/^ENTER PIN/.test(this.history.shown[asked])) await this.keys(pin + "#")
        const at = await this.waitTerminal(RESULT_TEXT, 60_000, asked)
        const display = this.history.shown[at]
        await this.keys("*")
        return { display, approved: /^APPROVED/.test(display) }
    }

    async waitFor<T>(get: () => T, timeoutMs: number, what: string): Promise<T> {
        const deadline = Date.now() + timeoutMs
        for (;;) {
            const v = get()
            if (v) return v
            if (Date.now() > deadline) throw new Error("timed out waiting for " + what)
            await new Promise((r) => setTimeout(r, 50))
        }
    }

    async stop(): Promise<void> {
        await this.stopServer()
        this.o.bus.close()
    }
}
