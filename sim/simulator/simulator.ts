// The simulator: the compiled card and terminal firmware, each in its own DeviceScript VM, on a
// Jacdac bus that models two boards and the RF field between them, with the payment server on
// embedded defaults. This file puts the parts together and runs the issuer's set-up:
//   boards.ts             the card and terminal boards: VMs, displays, keypad, LED, button, chips
//   bus-routing.ts        which board each bus member is on, and what may cross between boards
//   card-link-frames.ts   the abstract field's Card Link frames, each traced once
//   story.ts              the field trace and the server's lines, in order
//   restartable-server.ts the payment server, stopped and started on one port
//   certificates.ts       with the `certificates` option: the CA, the service provider, the SMSC and
//                         the card's modem, and the card's and terminal's settings for them
//   vending machine       with the `vending` option too: a third board (boards.ts VendingBoard), its
//                         settings (the CA's certificate, the CA and the service provider through
//                         its network link, network-link.ts), its clock set to the host's time
//   issuer station:       a blank card is personalized over the field with STORE DATA, from the
//                         profile file that `provision card` writes
// Everything secret (K, OPc, PIN, RADIUS secret) stays in files and flash; nothing prints it.

import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Socket } from "node:net"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import type { BusDevice } from "../vm/devs-cli"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { HUB_PORT, JacdacHub } from "../vm/jacdac-hub"
import { decodeJdFrame } from "../jacdac/frame"
import { SimDevice } from "../jacdac/sim-device"
import type { PaymentServer } from "../server/payment-server"
import { CardProfile as ProfileFile, provisionCard, provisionTerminal, terminalSettings, writeCardFiles } from "../server/provision"
import { personalizeCard } from "../card/personalization"
import type { TamperingProxy } from "../terminal/tampering-proxy"
import type { TraceLine } from "../trace/field-trace"
import type { ChipBoards, ChipLink } from "./chip-boards"
import { Boards, type SimLink, type VendingBoard } from "./boards"
import { BoardRouter, CARD_VM, type CardPosition, ISSUER_STATION, TERMINAL_VM, VENDING_VM } from "./bus-routing"
import { CardLinkFrames } from "./card-link-frames"
import type { DisplayHistory } from "./display-history"
import type { Firmware } from "./firmware"
import { RestartableServer } from "./restartable-server"
import { Story, type TimelineEntry } from "./story"
import { waitUntil } from "./wait-until"
import { CertificateServices } from "./certificates"
import type { Station } from "./chip-boards"
import { NetworkLink } from "./network-link"
import { tlsIssuer, type TlsIssuer } from "./tls-issuer"
import { BusWatcher, SETTINGS_CMD_GET, SRV_SETTINGS } from "./remote-service"
import { writeSplit } from "../../src/certificate/certificate-store"
import { KEY_CA_CERT } from "../../src/vending/machine-trust"

export const TERMINAL_ID = "TERM0001"
export const MERCHANT_ID = "MERCHANT0001"
/** The vending machine's ID (its `vend.id` setting). */
export const VENDING_MACHINE_ID = "VM000001"
const CARD_ID = "DEMO0001"

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
    /** The card's modem as its SC16IS750 UART bridge sees it, on the card's I2C bus at 0x4C before the card boots (default: none). */
    cardModem: I2cPort | null
    /**
     * Starts the certificate patent's parties (CA, service provider, SMSC, the card's modem on the
     * card's bus at 0x4C) and writes the card's and terminal's settings for them (default: off).
     */
    certificates: boolean
    /**
     * With `certificates`: the offline vending machine as a third board (build/devs/vending.devs,
     * `buildFirmware({ vending: true })`), on emulated chips only (default: off).
     */
    vending: boolean
}

export class Simulator {
    readonly cardDisplay: DisplayHistory
    readonly terminalDisplay: DisplayHistory
    private readonly hub = new JacdacHub()
    private readonly watcher = new BusWatcher()
    private readonly router: BoardRouter
    private readonly story: Story
    private readonly cardLink: CardLinkFrames
    private readonly boards: Boards
    private readonly servers: RestartableServer
    private readonly issuer = new SimDevice(ISSUER_STATION, [])
    private readonly certs: CertificateServices | null
    /** The vending machine's network link (to the CA and the service provider). */
    private readonly vendingLink = new NetworkLink()
    private position: CardPosition = "none"
    private readonly tlsIssuer: TlsIssuer | null
    /** The demo card's PIN once issued, for the simulated holder to type; never printed. */
    private issuedPin: string | null = null

    private constructor(
        private readonly options: SimulatorOptions,
        /** The data folder, and whether the simulator made it (then it removes it on stop). */
        private readonly dir: { path: string; temporary: boolean },
    ) {
        this.story = new Story(
            () => this.position,
            () => this.pull(),
        )
        this.cardLink = new CardLinkFrames(this.story)
        this.certs = options.certificates ? CertificateServices.create(dir.path, options.log) : null
        const modem = options.cardModem ?? this.certs?.modemBridge ?? null
        if (options.vending && !options.certificates) throw new Error("the vending machine needs the certificate services (certificates: true)")
        this.boards = new Boards(options.link, { command: (apdu) => this.story.command(apdu), response: (apdu) => this.story.response(apdu) }, options.firmware, dir.path, modem, options.vending)
        this.cardDisplay = this.boards.cardDisplay
        this.terminalDisplay = this.boards.terminalDisplay
        this.router = new BoardRouter(this.watcher, () => this.position, this.boards.chips !== null)
        // A card image of the EAP-TLS family: the issuer's CA certifies the server and the card.
        this.tlsIssuer = options.firmware.cardMethod === "tls" ? tlsIssuer(dir.path) : null
        this.servers = new RestartableServer({ dir: dir.path, methods: options.methods, log: (l) => this.serverLine(l), tls: this.tlsIssuer?.server ?? null })
    }

    static async start(partial: Partial<SimulatorOptions> & { firmware: Firmware }): Promise<Simulator> {
        const options: SimulatorOptions = { methods: [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA], cardPrefersPrime: true, tamper: false, dataDir: null, log: () => {}, waitForBusMs: 0, noPinLimit: 0, link: "nfc", cardModem: null, certificates: false, vending: false, ...partial }
        const path = options.dataDir ?? mkdtempSync(join(tmpdir(), "activecard-sim-"))
        mkdirSync(path, { recursive: true })
        const sim = new Simulator(options, { path, temporary: options.dataDir === null })
        try {
            await sim.boot()
        } catch (e) {
            await sim.stop()
            throw e
        }
        return sim
    }

    get link(): SimLink {
        return this.options.link
    }

    /** The demo card's PIN, for the simulated holder to type; never printed. */
    get pin(): string {
        if (this.issuedPin === null) throw new Error("the demo card has not been issued yet")
        return this.issuedPin
    }

    /** Where the card is held. */
    get field(): CardPosition {
        return this.position
    }

    /** The emulated chips of both boards (NFC and infrared links), or null for the abstract field. */
    get chips(): ChipBoards | null {
        return this.boards.chips
    }

    get cardLed(): { readonly color: string } {
        return this.boards.cardLed
    }

    get cardVm(): BusDevice | null {
        return this.boards.cardVm
    }

    get terminalVm(): BusDevice | null {
        return this.boards.terminalVm
    }

    /** The CA, service provider, SMSC and card modem of the certificate functions, or null without the `certificates` option. */
    get certificates(): CertificateServices | null {
        return this.certs
    }

    /** The vending machine's board (its VM, chips, display and relay), or null without the `vending` option. */
    get vending(): VendingBoard | null {
        return this.boards.vending
    }

    private machine(): VendingBoard {
        const v = this.boards.vending
        if (v === null) throw new Error("the simulator runs without the vending machine (start it with vending: true)")
        return v
    }

    /** Types on the vending machine's keypad. */
    async vendingKeys(text: string): Promise<void> {
        const v = this.machine()
        for (const k of text) await v.chips.press(k)
    }

    /** Whether the vending machine has its network link (to the CA and the service provider). */
    get vendingOnline(): boolean {
        return this.vendingLink.up
    }

    set vendingOnline(on: boolean) {
        this.vendingLink.up = on
    }

    /** The vending machine's clock, in seconds since 1970. */
    get vendingClock(): number {
        return this.machine().chips.rtc.now()
    }

    /** Sets the vending machine's clock (online, the machine sets it back from the service provider's time). */
    async setVendingClock(seconds: number): Promise<void> {
        await this.machine().chips.setClock(seconds)
    }

    /** Power-cycles the vending machine: a new VM over the same flash (a power cut: the relay drops out). */
    async rebootVending(): Promise<void> {
        await this.machine().powerOn()
    }

    /** Gives the vending machine another trust anchor (a service tool writing `ca.cert`) and restarts it to read it. */
    async setVendingTrust(caCertificateDer: Buffer): Promise<void> {
        await this.writeVendingSettings(await caCertSettings(caCertificateDer))
        await this.rebootVending()
    }

    /** A setting in the vending machine's flash as text, or null when it is not set. */
    async vendingSetting(key: string): Promise<string | null> {
        const keyMatches = (p: Buffer) => p.subarray(0, p.indexOf(0)).toString("utf8") === key
        const back = await this.watcher.request(this.machine().peripherals, VENDING_VM, SRV_SETTINGS, SETTINGS_CMD_GET, Buffer.from(key, "utf8"), keyMatches, 3000)
        const value = back.subarray(back.indexOf(0) + 1)
        return value.length === 0 ? null : value.toString("utf8")
    }

    /** Writes settings into the vending machine's flash, as a service tool does; it reads them when it starts. */
    async writeVendingSettings(settings: [string, Buffer][]): Promise<void> {
        const v = this.machine()
        for (const [k, value] of settings) await this.watcher.writeSetting(v.peripherals, VENDING_VM, k, value)
    }

    /** Writes settings into the card's flash, as the issuer's station does. */
    async writeCardSettings(settings: [string, string][]): Promise<void> {
        for (const [k, v] of settings) await this.watcher.writeSetting(this.boards.cardPeripherals, CARD_VM, k, Buffer.from(v, "utf8"))
    }

    /** The running payment server, or null while it is stopped. */
    get server(): PaymentServer | null {
        return this.servers.server
    }

    /** The tampering proxy of a dishonest terminal, or null. */
    get proxy(): TamperingProxy | null {
        return this.servers.proxy
    }

    /** Field messages and server lines, in order. */
    get timeline(): readonly TimelineEntry[] {
        return this.story.timeline
    }

    fieldLines(): TraceLine[] {
        return this.story.fieldLines()
    }

    /** Card Link frames the terminal sent again (no answer in time). */
    get retransmissions(): number {
        return this.cardLink.retransmissions
    }

    /** When the first command crossed the field after the last tap (ms since the epoch), or null. */
    get tappedAt(): number | null {
        return this.story.tappedAt
    }

    /** Pulls the card away the moment a field message matches (before it reaches its destination). */
    pullWhen(match: ((what: string) => boolean) | null): void {
        this.story.pullWhen(match)
    }

    /** Holds the card to the terminal over the simulator's link, or over `via` (the other chip link). */
    tap(via: ChipLink | null = null): void {
        this.story.tapped()
        this.position = "terminal"
        this.boards.hold(via ?? this.options.link)
    }

    /** Holds the card's infrared port in sight of the terminal's or the vending machine's (one at a time). */
    moveCardTo(station: Station): void {
        this.story.tapped()
        this.position = station
        this.boards.hold("infrared", station)
    }

    pull(): void {
        this.position = "none"
        this.boards.takeAway()
    }

    async keys(text: string): Promise<void> {
        await this.boards.keys(text)
    }

    /** Types on the card's own keypad. */
    async cardKeys(text: string): Promise<void> {
        await this.boards.cardKeys(text)
    }

    pressCardButton(): void {
        this.boards.pressCardButton()
    }

    async startServer(): Promise<void> {
        await this.servers.start()
    }

    async stopServer(): Promise<void> {
        await this.servers.stop()
    }

    async rebootCard(): Promise<void> {
        await this.boards.rebootCard()
    }

    async rebootTerminal(): Promise<void> {
        await this.boards.rebootTerminal()
    }

    /** Waits for a terminal display text matching `re` shown after history position `since`. */
    async waitTerminal(re: RegExp, timeoutMs: number, since = 0): Promise<string> {
        return this.terminalDisplay.shown[await this.waitTerminalIndex(re, timeoutMs, since)]
    }

    /** Like waitTerminal, but the position in the history (terminalDisplay.shownAt has when it was shown). */
    async waitTerminalIndex(re: RegExp, timeoutMs: number, since = 0): Promise<number> {
        const vm = () => this.boards.terminalVm?.lines().slice(-15).join("\n") ?? ""
        return await this.terminalDisplay.waitFor(re, timeoutMs, since, `the terminal never showed ${re}`, () => "terminal display history: " + this.terminalDisplay.describe() + "\nterminal VM, last lines:\n" + vm())
    }

    async waitFor(ok: () => boolean, timeoutMs: number, what: string, detail: () => string = () => ""): Promise<void> {
        await waitUntil(ok, timeoutMs, what, detail)
    }

    async stop(): Promise<void> {
        this.boards.stop()
        await this.vendingLink.close()
        this.issuer.stop()
        await this.hub.stop()
        await this.servers.close()
        await this.certs?.stop()
        if (this.dir.temporary) rmSync(this.dir.path, { recursive: true, force: true })
    }

    private async boot(): Promise<void> {
        const o = this.options
        const server = await this.servers.start()
        await this.certs?.start()
        // The issuer provisions the demo card (server side + profile file) and the terminal.
        const issued = await provisionCard(server.store, { cardId: CARD_ID, pan: "9410000000000017", holder: "DEMO HOLDER", currency: 410, balance: 5_000_000, limit: 2_000_000, realm: "pay.activecard.example", networkName: "", noPinLimit: o.noPinLimit })
        this.issuedPin = issued.pin
        const profileFile = join(this.dir.path, "card-profile.json")
        writeCardFiles(profileFile, issued.profile, issued.pin)
        const terminal = await provisionTerminal(server.store, "127.0.0.1", TERMINAL_ID, MERCHANT_ID, "127.0.0.1", server.tcp.port)
        if (o.tamper) await this.servers.tamper(terminal.secret)
        const radiusPort = this.servers.terminalPort()
        o.log(`provisioned card ${CARD_ID} (profile ${profileFile}) and terminal ${TERMINAL_ID}`)

        this.hub.route = (from, to) => this.router.route(from, to)
        this.hub.onFrame = (frame, sock) => this.onFrame(frame, sock)
        await this.hub.start(HUB_PORT, o.waitForBusMs)
        this.boards.attachTo(this.hub)
        this.hub.attach(this.issuer)
        this.issuer.start()
        await this.boards.powerOn()

        // Personalization at the issuer's station, from the profile file.
        const file = JSON.parse(readFileSync(profileFile, "utf8")) as ProfileFile
        await this.personalize(this.tlsIssuer !== null ? this.tlsIssuer.cardRecord(file, CARD_ID) : file)
        o.log(`card personalized over the field (STORE DATA), display: ${this.cardDisplay.text.replace(/\n/g, " | ")}`)

        // The certificate settings: the card's CA, service provider and phone number; the terminal's
        // service provider, before its server settings (it reads them once it is configured).
        if (this.certs !== null) {
            await this.writeCardSettings(this.certs.cardSettings())
            for (const [k, v] of this.certs.terminalSettings()) await this.watcher.writeSetting(this.boards.terminalPeripherals, TERMINAL_VM, k, Buffer.from(v, "utf8"))
            o.log("card settings ca.*, svc.*, tel and terminal settings svc.* written")
        }
        // The terminal's configuration goes into its settings, as a service tool would write it.
        for (const [k, v] of terminalSettings({ ...terminal, serverPort: radiusPort }, 410)) await this.watcher.writeSetting(this.boards.terminalPeripherals, TERMINAL_VM, k, Buffer.from(v, "utf8"))
        await this.waitTerminal(/^AMOUNT/, 30_000)
        o.log(`terminal configured (server 127.0.0.1:${radiusPort}), display: ${this.terminalDisplay.text.replace(/\n/g, " | ")}`)
        if (this.certs !== null && this.boards.vending !== null) await this.bootVending(this.certs, this.boards.vending)
    }

    /**
     * The vending machine: its clock set to the host's time, powered on, its settings written as a
     * service tool would (the CA's certificate, the CA and the service provider through its network
     * link, its ID), then restarted to read them; ready once it kept the CA's CRL.
     */
    private async bootVending(certs: CertificateServices, v: VendingBoard): Promise<void> {
        const caPort = await this.vendingLink.forward(() => certs.caPort)
        const svcPort = await this.vendingLink.forward(() => certs.service.port)
        await v.chips.setClock(Date.now() / 1000)
        await v.powerOn()
        const settings = await caCertSettings(certs.caCertificateDer())
        const text: [string, string][] = [
            ["ca.host", "127.0.0.1"],
            ["ca.port", String(caPort)],
            ["svc.host", "127.0.0.1"],
            ["svc.port", String(svcPort)],
            ["svc.token", certs.machineToken],
            ["vend.id", VENDING_MACHINE_ID],
        ]
        certs.registerMachine(VENDING_MACHINE_ID)
        for (const [k, value] of text) settings.push([k, Buffer.from(value, "utf8")])
        await this.writeVendingSettings(settings)
        const vm = await v.powerOn()
        await this.waitFor(() => vm.lines().some((l) => l.startsWith("VENDING CRL kept")), 60_000, "the vending machine kept no CRL", () => vm.output())
        await v.display.waitFor(/^SELECT ITEM/, 30_000, 0, "the vending machine shows no items", () => v.display.describe())
        this.options.log(`vending machine ${VENDING_MACHINE_ID} configured (ca.cert, CA and service provider through its network link), display: ${v.display.text.replace(/\n/g, " | ")}`)
    }

    /** Every frame on the bus, before the hub routes it (pulling the card here drops that very frame). */
    private onFrame(frame: Buffer, sock: Socket | null): void {
        const f = decodeJdFrame(frame)
        if (!f) return
        this.watcher.observe(f)
        this.router.learn(f, sock)
        this.cardLink.observe(f, this.router.boardOfVm(sock), this.router.cardLink())
    }

    private async personalize(file: ProfileFile | Buffer): Promise<void> {
        this.position = "issuer"
        try {
            let seq = 100
            await personalizeCard(file, this.options.cardPrefersPrime, async (apdu) => {
                await this.waitFor(() => this.router.cardLink() !== null, 10_000, "the card's Card Link service never appeared")
                const link = this.router.cardLink()
                if (link === null) throw new Error("the card's Card Link service is gone")
                return await this.watcher.transceive(this.issuer, link.device, seq++, apdu, 5000)
            })
        } finally {
            this.position = "none"
        }
        await this.waitFor(() => this.cardDisplay.shown.some((t) => t.startsWith("ACTIVECARD")), 10_000, "the card did not become a payment card")
    }

    private serverLine(line: string): void {
        this.story.serverLine(line)
        this.options.log("[server] " + line)
    }
}

/** The `ca.cert` settings that hold a CA certificate, split across values as the machine reads them. */
async function caCertSettings(der: Buffer): Promise<[string, Buffer][]> {
    const settings: [string, Buffer][] = []
    const sha256 = (parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest()
    await writeSplit({ read: async () => null, write: async (k, value) => void settings.push([k, Buffer.from(value)]) }, KEY_CA_CERT, der, sha256)
    return settings
}
