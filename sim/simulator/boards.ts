// The card's and the terminal's boards as the simulator builds them: each board's firmware in its
// own DeviceScript VM, and the hardware around it. Over NFC or infrared that hardware is the chips
// of boards/*.board.json, emulated behind each board's I2C bus (chip-boards.ts); over the abstract
// Card Link field it is Jacdac peripherals hosted in Node (a character screen, a status LED, a
// button and a 4x3 keypad on the card; a character screen and a 4x3 keypad on the terminal). Either
// way the rest of the simulator sees the same things: two displays, an LED, a button, two keypads,
// two VMs. With the vending machine (emulated chips only) a third board: its VM, chips (LCD,
// keypad, infrared port, clock) and the relay that dispenses, a simulated relay whose activations
// are the items dispensed.

import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { type BusDevice, startOnBus } from "../vm/devs-cli"
import type { JacdacHub } from "../vm/jacdac-hub"
import { SimDevice } from "../jacdac/sim-device"
import { SimButton, SimCharacterScreen, SimLed, SimMatrixKeypad, SimRelay } from "../jacdac/peripherals"
import { ChipBoards, type ChipLink, type FieldObserver, type Station, type VendingChips } from "./chip-boards"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { CARD_PERIPHERALS, CARD_VM, TERMINAL_PERIPHERALS, TERMINAL_VM, VENDING_PERIPHERALS, VENDING_VM } from "./bus-routing"
import { DisplayHistory } from "./display-history"
import type { Firmware } from "./firmware"
import { waitUntil } from "./wait-until"

/** How the card reaches the terminal: emulated NFC or infrared chips, or the abstract Card Link field. */
export type SimLink = ChipLink | "cardlink"
export const SIM_LINKS: SimLink[] = ["nfc", "infrared", "cardlink"]

/** The legends of the abstract field's keypads (the terminal's and the card's) and of the card's board keypad, row by row. */
export const KEYPAD_LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]

/** The pause after each key typed on the abstract field's keypad. */
const KEY_PRESS_MS = 15

export class Boards {
    readonly cardLed = new SimLed(1)
    /** The emulated chips of both boards (NFC and infrared links), or null for the abstract field. */
    readonly chips: ChipBoards | null
    readonly cardDisplay: DisplayHistory
    readonly terminalDisplay: DisplayHistory
    /** The card's hardware on the bus: its I2C bus or its screen, and its LED and button. */
    readonly cardPeripherals: SimDevice
    /** The terminal's hardware on the bus: its I2C bus, or its screen and keypad. */
    readonly terminalPeripherals: SimDevice
    private readonly cardButton = new SimButton()
    private readonly keypad = new SimMatrixKeypad(4, 3, KEYPAD_LABELS)
    private readonly cardKeypad = new SimMatrixKeypad(4, 3, KEYPAD_LABELS)
    private card: BusDevice | null = null
    private terminal: BusDevice | null = null
    /** The vending machine's board, or null without one. */
    readonly vending: VendingBoard | null = null

    /**
     * `field` sees every APDU that crosses the emulated NFC field or infrared line; `dir` holds each
     * VM's flash; `cardModem`, the modem's emulated UART bridge, joins the card's I2C bus (the
     * abstract field's card has no I2C bus, so there it is left out).
     */
    constructor(
        link: SimLink,
        field: FieldObserver,
        private readonly firmware: Firmware,
        private readonly dir: string,
        cardModem: I2cPort | null = null,
        vending = false,
    ) {
        if (link === "cardlink") {
            if (vending) throw new Error("the vending machine needs the emulated chips (link nfc or infrared)")
            const cardScreen = new SimCharacterScreen(4, 16)
            const terminalScreen = new SimCharacterScreen(2, 20)
            this.chips = null
            this.cardDisplay = new DisplayHistory(cardScreen)
            this.terminalDisplay = new DisplayHistory(terminalScreen)
            this.cardPeripherals = new SimDevice(CARD_PERIPHERALS, [cardScreen, this.cardLed, this.cardButton, this.cardKeypad])
            this.terminalPeripherals = new SimDevice(TERMINAL_PERIPHERALS, [terminalScreen, this.keypad])
        } else {
            const chips = new ChipBoards(field, vending)
            this.chips = chips
            if (chips.vending !== null) this.vending = new VendingBoard(chips.vending, firmware, this.flashDir("vending"))
            if (cardModem) chips.connectModem(cardModem)
            this.cardDisplay = new DisplayHistory(chips.cardScreen)
            this.terminalDisplay = new DisplayHistory(chips.terminalScreen)
            this.cardPeripherals = new SimDevice(CARD_PERIPHERALS, [chips.cardBus, this.cardLed, this.cardButton])
            this.terminalPeripherals = new SimDevice(TERMINAL_PERIPHERALS, [chips.terminalBus])
        }
    }

    /** The card's VM, or null before it started. */
    get cardVm(): BusDevice | null {
        return this.card
    }

    /** The terminal's VM, or null before it started. */
    get terminalVm(): BusDevice | null {
        return this.terminal
    }

    /** Powers both boards on; resolves once the card's firmware is up. */
    async powerOn(): Promise<void> {
        const card = startOnBus(this.firmware.card, CARD_VM, this.flashDir("card"))
        this.card = card
        this.terminal = startOnBus(this.firmware.terminal, TERMINAL_VM, this.flashDir("terminal"))
        await waitUntil(() => card.lines().some((l) => l.startsWith("CARD READY")), 30_000, "the card VM did not start", () => card.output())
    }

    /** Power-cycles the card: a new VM process over the same flash. */
    async rebootCard(): Promise<void> {
        this.card?.stop()
        this.chips?.cardNfc.reset() // the board's chips lose power with it
        const before = this.cardDisplay.shown.length
        const card = startOnBus(this.firmware.card, CARD_VM, this.flashDir("card"))
        this.card = card
        await waitUntil(() => card.lines().some((l) => l.startsWith("CARD READY")), 30_000, "the card VM did not restart")
        // (an OLED is cleared at start-up: wait for the text, not for the blank screen)
        await waitUntil(() => this.cardDisplay.shown.length > before && this.cardDisplay.last !== "", 10_000, "the card display did not come back")
    }

    /** Power-cycles the terminal: a new VM process over the same flash (its settings are kept). */
    async rebootTerminal(): Promise<void> {
        this.terminal?.stop()
        this.chips?.terminalNfc.reset()
        const terminal = startOnBus(this.firmware.terminal, TERMINAL_VM, this.flashDir("terminal"))
        this.terminal = terminal
        await waitUntil(() => terminal.lines().some((l) => l.startsWith("TERMINAL READY")), 30_000, "the terminal VM did not restart", () => terminal.output())
    }

    /** Types on the terminal's keypad, one key after the other. */
    async keys(text: string): Promise<void> {
        const chips = this.chips
        await typeOn(text, chips ? (k) => chips.press(k) : null, this.keypad)
    }

    /** Types on the card's keypad, one key after the other. */
    async cardKeys(text: string): Promise<void> {
        const chips = this.chips
        await typeOn(text, chips ? (k) => chips.pressCard(k) : null, this.cardKeypad)
    }

    pressCardButton(): void {
        this.cardButton.press()
    }

    /** The card held to the terminal's reader or infrared port, or the machine's (the abstract field needs nothing here). */
    hold(link: SimLink, station: Station = "terminal"): void {
        if (link !== "cardlink") this.chips?.hold(link, station)
    }

    takeAway(): void {
        this.chips?.takeAway()
    }

    /** Puts both boards' hardware on the bus. */
    attachTo(hub: JacdacHub): void {
        for (const d of [this.cardPeripherals, this.terminalPeripherals, ...(this.vending ? [this.vending.peripherals] : [])]) {
            hub.attach(d)
            d.start()
        }
    }

    /** Stops both VMs, the boards' hardware and the emulated chips. */
    stop(): void {
        this.card?.stop()
        this.terminal?.stop()
        this.vending?.stop()
        this.vending?.peripherals.stop()
        this.cardPeripherals.stop()
        this.terminalPeripherals.stop()
        this.chips?.stop()
    }

    private flashDir(name: string): string {
        return flashFolder(this.dir, name)
    }
}

function flashFolder(dir: string, name: string): string {
    const d = join(dir, name + "-flash")
    mkdirSync(d, { recursive: true })
    return d
}

/** The vending machine's board: its VM over its own flash, its chips and its dispense relay. */
export class VendingBoard {
    readonly relay = new SimRelay()
    readonly display: DisplayHistory
    /** Its hardware on the bus: the I2C bus with its chips, and the relay. */
    readonly peripherals: SimDevice
    private vm: BusDevice | null = null

    constructor(
        readonly chips: VendingChips,
        private readonly firmware: Firmware,
        private readonly flash: string,
    ) {
        this.display = new DisplayHistory(chips.screen)
        this.peripherals = new SimDevice(VENDING_PERIPHERALS, [chips.bus, this.relay])
    }

    get device(): BusDevice | null {
        return this.vm
    }

    /** Powers the machine on (or again, over the same flash: a power cut); resolves once its firmware is up. */
    async powerOn(): Promise<BusDevice> {
        const program = this.firmware.vending
        if (program === undefined) throw new Error("the vending firmware was not built (buildFirmware({ vending: true }))")
        this.stop()
        const vm = startOnBus(program, VENDING_VM, this.flash)
        this.vm = vm
        await waitUntil(() => vm.lines().some((l) => l.startsWith("VENDING READY")), 60_000, "the vending VM did not start", () => vm.output())
        return vm
    }

    /** Power off: the VM stops, the relay drops out. */
    stop(): void {
        this.vm?.stop()
        this.vm = null
        this.relay.powerOff()
    }
}

/** Each key of `text` on a board's emulated keypad (`press`), or else on its Jacdac keypad. */
async function typeOn(text: string, press: ((key: string) => Promise<void>) | null, keypad: SimMatrixKeypad): Promise<void> {
    for (const k of text) {
        if (press) await press(k)
        else {
            keypad.press(k)
            await new Promise((r) => setTimeout(r, KEY_PRESS_MS))
        }
    }
}
