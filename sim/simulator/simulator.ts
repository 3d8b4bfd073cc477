// The simulator: the compiled card and terminal firmware, each in its own DeviceScript VM, on a
// Jacdac bus that models two boards and the RF field between them, with the payment server of
// the previous issue on embedded defaults.
//   card board:     card VM + its display, status LED and button (simulated peripherals)
//   terminal board: terminal VM + its keypad and character display
//   the link:       over NFC or infrared, the chips of boards/*.board.json are emulated behind
//                   each board's I2C bus and the firmware's own drivers run (sim/simulator/
//                   chip-boards.ts); over "cardlink", an abstract field: the hub lets Card Link
//                   frames cross between the boards only while the card is tapped
//   issuer station: a blank card is personalized over the field with STORE DATA, from the
//                   profile file that `provision card` writes
// Everything secret (K, OPc, PIN, RADIUS secret) stays in files and flash; nothing prints it.

import type { Socket } from "node:net"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { BuiltProgram, buildProgram, BusDevice, startOnBus } from "../vm/devs-cli"
import { HUB_PORT, JacdacHub } from "../vm/jacdac-hub"
import { decodeJdFrame, JD_FRAME_FLAG_COMMAND } from "../jacdac/frame"
import { SimDevice } from "../jacdac/sim-device"
import { SimButton, SimCharacterScreen, SimLed, SimMatrixKeypad } from "../jacdac/peripherals"
import { PaymentServer } from "../server/payment-server"
import { CardProfile as ProfileFile, provisionCard, provisionTerminal, terminalSettings, writeCardFiles } from "../server/provision"
import { personalizeCard } from "../card/personalization"
import { TamperingProxy } from "../terminal/tampering-proxy"
import { FieldTrace, TraceLine } from "../trace/field-trace"
import { BusWatcher, CARD_LINK_CMD_TRANSCEIVE, SRV_CARD_LINK } from "./remote-service"
import { ChipBoards, ChipLink } from "./chip-boards"

export const CARD_VM = "ac00000000000c01"
export const CARD_PERIPHERALS = "ac00000000000c0f"
export const TERMINAL_VM = "ac00000000000701"
export const TERMINAL_PERIPHERALS = "ac0000000000070f"
export const ISSUER_STATION = "ac00000000000101"

export const KEYPAD_LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]
export const TERMINAL_ID = "TERM0001"
export const MERCHANT_ID = "MERCHANT0001"

type Field = "none" | "terminal" | "issuer"
/** How the card reaches the terminal: emulated NFC or infrared chips, or the abstract Card Link field. */
export type SimLink = ChipLink | "cardlink"
export const SIM_LINKS: SimLink[] = ["nfc", "infrared", "cardlink"]

/** What the simulator reads from a display: its text, and each change. */
export interface ScreenView {
    text: string
    onChange: (text: string) => void
}

export interface Firmware {
    card: BuiltProgram
    terminal: BuiltProgram
}

export async function buildFirmware(): Promise<Firmware> {
    const card = await buildProgram("devices/card/main.ts", "card")
    const terminal = await buildProgram("devices/terminal/main.ts", "terminal")
    return { card, terminal }
}

export interface SimulatorOptions {
    firmware: Firmware
    /** The server's EAP methods in order of preference (default EAP-AKA', then EAP-AKA). */
    methods: number[]
    /** The card prefers EAP-AKA' (its profile option). */
    cardPrefersPrime: boolean
    /** The terminal's RADIUS goes through a proxy that multiplies the amount (a dishonest terminal). */
    tamper: boolean
    /** Where the server's store, the profile files and the VMs' flash live (default: a fresh temporary folder, removed on stop). */
    dataDir: string | null
    /** Progress lines (server log included); secrets never reach it. */
    log: (line: string) => void
    /** The demo card's no-PIN limit in minor units (0: always ask for the PIN). */
    noPinLimit: number
    /** How long to wait for the bus port if another simulator holds it (tests queue on it). */
    waitForBusMs: number
    /** How the card reaches the terminal (default: NFC). */
    link: SimLink
}

/** One event in the order it happened: a field message (index into the field trace) or a server line. */
export type TimelineEntry = { kind: "field"; index: number } | { kind: "server"; text: string }

export class Simulator {
    readonly hub = new JacdacHub()
    readonly watcher = new BusWatcher()
    readonly cardScreen: ScreenView
    readonly cardLed = new SimLed(1)
    readonly cardButton = new SimButton()
    readonly terminalScreen: ScreenView
    readonly keypad = new SimMatrixKeypad(4, 3, KEYPAD_LABELS)
    /** The emulated chips of both boards (NFC and infrared links), or null for the abstract field. */
    readonly chips: ChipBoards | null
    readonly trace = new FieldTrace()
    readonly timeline: TimelineEntry[] = []
    /** Every text the terminal's display showed, in order. */
    readonly terminalHistory: string[] = []
    /** When each of those texts arrived (ms since epoch). */
    readonly terminalTimes: number[] = []
    readonly cardHistory: string[] = []
    server: PaymentServer | null = null
    proxy: TamperingProxy | null = null
    cardVm: BusDevice | null = null
    terminalVm: BusDevice | null = null
    /** The demo card's PIN, for the simulated holder to type; never printed. */
    pin = ""
    cardId = "DEMO0001"
    field: Field = "none"
    /** Card Link frames the terminal sent again (no answer in time). */
    retransmissions = 0
    /** Time of the first field frame after the last tap, for tap-to-approval. */
    tappedAt = 0
    private readonly cardPeripherals: SimDevice
    private readonly terminalPeripherals: SimDevice
    private readonly issuer: SimDevice
    private dir = ""
    private ownsDir = false
    private tcpPort = 0
    private lastCommandSeq = -1
    private lastTracedSeq = -1
    private lastAnswerSeq = -1
    private traceCount = 0
    private pullOn: ((what: string) => boolean) | null = null
    private pullChecked = 0
    private readonly idSocket = new Map<string, Socket>()
    private readonly socketBoard = new Map<Socket, string>()

    private constructor(private readonly options: SimulatorOptions) {
        if (options.link === "cardlink") {
            const cardScreen = new SimCharacterScreen(4, 16)
            const terminalScreen = new SimCharacterScreen(2, 20)
            this.chips = null
            this.cardScreen = cardScreen
            this.terminalScreen = terminalScreen
            this.cardPeripherals = new SimDevice(CARD_PERIPHERALS, [cardScreen, this.cardLed, this.cardButton])
            this.terminalPeripherals = new SimDevice(TERMINAL_PERIPHERALS, [terminalScreen, this.keypad])
        } else {
            const chips = new ChipBoards({ command: (apdu) => this.chipCommand(apdu), response: (apdu) => this.chipResponse(apdu) })
            this.chips = chips
            this.cardScreen = chips.cardScreen
            this.terminalScreen = chips.terminalScreen
            this.cardPeripherals = new SimDevice(CARD_PERIPHERALS, [chips.cardBus, this.cardLed, this.cardButton])
            this.terminalPeripherals = new SimDevice(TERMINAL_PERIPHERALS, [chips.terminalBus])
        }
        this.issuer = new SimDevice(ISSUER_STATION, [])
        this.terminalScreen.onChange = (t) => {
            this.terminalHistory.push(t)
            this.terminalTimes.push(Date.now())
        }
        this.cardScreen.onChange = (t) => this.cardHistory.push(t)
    }

    static async start(partial: Partial<SimulatorOptions> & { firmware: Firmware }): Promise<Simulator> {
        const options: SimulatorOptions = { methods: [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA], cardPrefersPrime: true, tamper: false, dataDir: null, log: () => {}, waitForBusMs: 0, noPinLimit: 0, link: "nfc", ...partial }
        const sim = new Simulator(options)
        try {
            await sim.boot()
        } catch (e) {
            await sim.stop()
            throw e
        }
        return sim
    }

    /**
     * Which board a bus member is on. A VM is more than one Jacdac device (its runtime under the
     * id we gave it, plus a device for the services its program hosts, such as the Card Link),
     * so ids seen from a VM's socket belong to that VM's board.
     */
    private boardOf(id: string | null): string {
        if (id === null) return "unknown"
        if (id === CARD_PERIPHERALS || id === ISSUER_STATION || id === TERMINAL_PERIPHERALS) return id === CARD_PERIPHERALS ? "card" : id === ISSUER_STATION ? "issuer" : "terminal"
        const sock = this.idSocket.get(id)
        return (sock && this.socketBoard.get(sock)) ?? (id === CARD_VM ? "card" : id === TERMINAL_VM ? "terminal" : "unknown")
    }

    /** Same board: always. Across boards: only the card VM's radio with the reader it is held to. */
    private route(from: string | null, to: string | null): boolean {
        const a = this.boardOf(from)
        const b = this.boardOf(to)
        // A VM's first frame is its runtime's announce, which names its board: until then it is cut
        // off, so no role of one board can ever bind to a service of the other.
        if (a === "unknown" || b === "unknown") return false
        if (a === b) return true
        const pair = a < b ? a + "+" + b : b + "+" + a
        if (this.field === "terminal") return this.chips === null && pair === "card+terminal" && from !== TERMINAL_PERIPHERALS && from !== CARD_PERIPHERALS && to !== TERMINAL_PERIPHERALS && to !== CARD_PERIPHERALS
        if (this.field === "issuer") return pair === "card+issuer" && from !== CARD_PERIPHERALS && to !== CARD_PERIPHERALS
        return false
    }

    /** The device hosting the card VM's Card Link service ("" until it announced). */
    cardLinkDevice(): string {
        for (const [id, sock] of this.idSocket) if (this.socketBoard.get(sock) === "card" && this.watcher.serviceIndex(id, SRV_CARD_LINK) > 0) return id
        return ""
    }

    private onFrame(frame: Buffer, sock: Socket | null): void {
        const f = decodeJdFrame(frame)
        if (!f) return
        this.watcher.observe(f)
        if (sock && !(f.flags & JD_FRAME_FLAG_COMMAND)) {
            this.idSocket.set(f.deviceId, sock)
            if (f.deviceId === CARD_VM) this.socketBoard.set(sock, "card")
            if (f.deviceId === TERMINAL_VM) this.socketBoard.set(sock, "terminal")
        }
        const link = this.cardLinkDevice()
        const linkIndex = this.watcher.serviceIndex(link, SRV_CARD_LINK)
        const fromBoard = sock ? this.socketBoard.get(sock) : undefined
        for (const p of f.packets) {
            if (p.serviceIndex !== linkIndex || p.command !== CARD_LINK_CMD_TRANSCEIVE || p.payload.length < 1) continue
            const seq = p.payload[0]
            if (f.flags & JD_FRAME_FLAG_COMMAND && fromBoard === "terminal" && f.deviceId === link) {
                if (seq === this.lastCommandSeq) this.retransmissions++
                this.lastCommandSeq = seq
                if (this.field !== "terminal" || seq === this.lastTracedSeq) continue
                if (this.tappedAt < 0) this.tappedAt = Date.now()
                this.lastTracedSeq = seq
                this.trace.command(p.payload.subarray(1))
            } else if (this.field === "terminal" && !(f.flags & JD_FRAME_FLAG_COMMAND) && f.deviceId === link && seq !== this.lastAnswerSeq) {
                this.trace.response(p.payload.subarray(1))
                this.lastAnswerSeq = seq
            }
        }
        this.syncTimeline()
        // Pulling here drops the very frame that carried the message: the hub routes after this hook.
        this.pullIfAsked()
    }

    /** Applies pullWhen to the field messages traced since the last check; true if the card was pulled. */
    private pullIfAsked(): boolean {
        const pullOn = this.pullOn
        if (pullOn === null) return false
        const lines = this.trace.lines()
        for (; this.pullChecked < lines.length; this.pullChecked++) {
            if (pullOn(lines[this.pullChecked].what)) {
                this.pull()
                this.pullOn = null
                return true
            }
        }
        return false
    }

    /** A command APDU crossing the emulated NFC field or infrared line; false: pulled, it never arrives. */
    private chipCommand(apdu: Buffer): boolean {
        if (this.field !== "terminal") return false
        if (this.tappedAt < 0) this.tappedAt = Date.now()
        this.trace.command(apdu)
        this.syncTimeline()
        return !this.pullIfAsked()
    }

    private chipResponse(apdu: Buffer): boolean {
        if (this.field !== "terminal") return false
        this.trace.response(apdu)
        this.syncTimeline()
        return !this.pullIfAsked()
    }

    /** Pulls the card away the moment a field message matches (before it reaches its destination). */
    pullWhen(match: ((what: string) => boolean) | null): void {
        this.pullOn = match
        this.pullChecked = this.trace.lines().length
    }

    private syncTimeline(): void {
        const n = this.trace.lines().length
        for (; this.traceCount < n; this.traceCount++) this.timeline.push({ kind: "field", index: this.traceCount })
    }

    private serverLog(line: string): void {
        this.syncTimeline()
        this.timeline.push({ kind: "server", text: line })
        this.options.log("[server] " + line)
    }

    private async boot(): Promise<void> {
        const o = this.options
        this.ownsDir = o.dataDir === null
        this.dir = o.dataDir ?? mkdtempSync(join(tmpdir(), "activecard-sim-"))
        mkdirSync(this.dir, { recursive: true })
        await this.startServer()
        const server = this.server!
        // The issuer provisions the demo card (server side + profile file) and the terminal.
        const issued = await provisionCard(server.store, { cardId: this.cardId, pan: "9410000000000017", holder: "DEMO HOLDER", currency: 410, balance: 5_000_000, limit: 2_000_000, realm: "pay.activecard.example", networkName: "", noPinLimit: o.noPinLimit })
        this.pin = issued.pin
        const profileFile = join(this.dir, "card-profile.json")
        writeCardFiles(profileFile, issued.profile, issued.pin)
        let radiusPort = this.tcpPort
        const terminal = await provisionTerminal(server.store, "127.0.0.1", TERMINAL_ID, MERCHANT_ID, "127.0.0.1", radiusPort)
        if (o.tamper) {
            this.proxy = await TamperingProxy.start({ host: "127.0.0.1", port: this.tcpPort }, terminal.secret)
            radiusPort = this.proxy.port
        }
        o.log(`provisioned card ${this.cardId} (profile ${profileFile}) and terminal ${TERMINAL_ID}`)

        this.hub.route = (from, to) => this.route(from, to)
        this.hub.onFrame = (frame, sock) => this.onFrame(frame, sock)
        await this.hub.start(HUB_PORT, o.waitForBusMs)
        for (const d of [this.cardPeripherals, this.terminalPeripherals, this.issuer]) {
            this.hub.attach(d)
            d.start()
        }
        this.cardVm = startOnBus(o.firmware.card, CARD_VM, this.flashDir("card"))
        this.terminalVm = startOnBus(o.firmware.terminal, TERMINAL_VM, this.flashDir("terminal"))
        await this.waitFor(() => this.cardVm!.lines().some((l) => l.startsWith("CARD READY")), 30_000, "the card VM did not start", () => this.cardVm!.output())

        // Personalization at the issuer's station, from the profile file.
        const file = JSON.parse(readFileSync(profileFile, "utf8")) as ProfileFile
        await this.personalize(file)
        o.log(`card personalized over the field (STORE DATA), display: ${this.cardScreen.text.replace(/\n/g, " | ")}`)

        // The terminal's configuration goes into its settings, as a service tool would write it.
        for (const [k, v] of terminalSettings({ ...terminal, serverPort: radiusPort }, 410)) await this.watcher.writeSetting(this.terminalPeripherals, TERMINAL_VM, k, Buffer.from(v, "utf8"))
        await this.waitTerminal(/^AMOUNT/, 30_000)
        o.log(`terminal configured (server 127.0.0.1:${radiusPort}), display: ${this.terminalScreen.text.replace(/\n/g, " | ")}`)
    }

    private flashDir(name: string): string {
        const d = join(this.dir, name + "-flash")
        mkdirSync(d, { recursive: true })
        return d
    }

    private async personalize(file: ProfileFile): Promise<void> {
        this.field = "issuer"
        try {
            let seq = 100
            await personalizeCard(file, this.options.cardPrefersPrime, async (apdu) => {
                await this.waitFor(() => this.cardLinkDevice() !== "", 10_000, "the card's Card Link service never appeared")
                return await this.watcher.transceive(this.issuer, this.cardLinkDevice(), seq++, apdu, 5000)
            })
        } finally {
            this.field = "none"
        }
        await this.waitFor(() => this.cardHistory.some((t) => t.startsWith("ACTIVECARD")), 10_000, "the card did not become a payment card")
    }

    async startServer(): Promise<void> {
        this.server = await PaymentServer.start({ dataDir: join(this.dir, "server"), udpPort: 0, tcpPort: this.tcpPort, methods: this.options.methods, log: (l) => this.serverLog(l) })
        this.tcpPort = this.server.tcp.port
    }

    async stopServer(): Promise<void> {
        const s = this.server
        this.server = null
        if (s) await s.stop()
    }

    /** Holds the card to the terminal over the simulator's link, or over `via` (the other chip link). */
    tap(via: ChipLink | null = null): void {
        this.tappedAt = -1
        this.field = "terminal"
        const link = via ?? this.options.link
        if (link !== "cardlink") this.chips?.hold(link)
    }

    pull(): void {
        this.field = "none"
        this.chips?.takeAway()
    }

    get link(): SimLink {
        return this.options.link
    }

    async keys(text: string): Promise<void> {
        for (const k of text) {
            if (this.chips) await this.chips.press(k)
            else {
                this.keypad.press(k)
                await new Promise((r) => setTimeout(r, 15))
            }
        }
    }

    pressCardButton(): void {
        this.cardButton.press()
    }

    /** Waits for a terminal display text matching `re` shown after history position `since`. */
    async waitTerminal(re: RegExp, timeoutMs: number, since = 0): Promise<string> {
        return this.terminalHistory[await this.waitTerminalIndex(re, timeoutMs, since)]
    }

    /** Like waitTerminal, but the position in the history (terminalTimes has when it was shown). */
    async waitTerminalIndex(re: RegExp, timeoutMs: number, since = 0): Promise<number> {
        let found = -1
        await this.waitFor(
            () => {
                for (let i = since; i < this.terminalHistory.length && found < 0; i++) if (re.test(this.terminalHistory[i])) found = i
                return found >= 0
            },
            timeoutMs,
            `the terminal never showed ${re}`,
            () => "terminal display history: " + this.terminalHistory.map((t) => t.replace(/\n/g, " | ")).join(" // ") + "\nterminal VM, last lines:\n" + (this.terminalVm?.lines().slice(-15).join("\n") ?? ""),
        )
        return found
    }

    async waitFor(ok: () => boolean, timeoutMs: number, what: string, detail: () => string = () => ""): Promise<void> {
        const deadline = Date.now() + timeoutMs
        while (!ok()) {
            if (Date.now() > deadline) throw new Error(what + (detail() ? "\n" + detail() : ""))
            await new Promise((r) => setTimeout(r, 10))
        }
    }

    /** Power-cycles the card: a new VM process over the same flash. */
    async rebootCard(): Promise<void> {
        this.cardVm?.stop()
        this.chips?.cardNfc.reset() // the board's chips lose power with it
        const before = this.cardHistory.length
        this.cardVm = startOnBus(this.options.firmware.card, CARD_VM, this.flashDir("card"))
        await this.waitFor(() => this.cardVm!.lines().some((l) => l.startsWith("CARD READY")), 30_000, "the card VM did not restart")
        // (an OLED is cleared at start-up: wait for the text, not for the blank screen)
        await this.waitFor(() => this.cardHistory.length > before && this.cardHistory.at(-1) !== "", 10_000, "the card display did not come back")
    }

    /** Power-cycles the terminal: a new VM process over the same flash (its settings are kept). */
    async rebootTerminal(): Promise<void> {
        this.terminalVm?.stop()
        this.chips?.terminalNfc.reset()
        this.terminalVm = startOnBus(this.options.firmware.terminal, TERMINAL_VM, this.flashDir("terminal"))
        await this.waitFor(() => this.terminalVm!.lines().some((l) => l.startsWith("TERMINAL READY")), 30_000, "the terminal VM did not restart", () => this.terminalVm!.output())
    }

    fieldLines(): TraceLine[] {
        return this.trace.lines()
    }

    async stop(): Promise<void> {
        this.cardVm?.stop()
        this.terminalVm?.stop()
        for (const d of [this.cardPeripherals, this.terminalPeripherals, this.issuer]) d.stop()
        this.chips?.stop()
        await this.hub.stop()
        await this.proxy?.stop()
        await this.stopServer()
        if (this.ownsDir && this.dir) rmSync(this.dir, { recursive: true, force: true })
    }
}
