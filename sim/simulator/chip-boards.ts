// The two boards at the chip level: the chips of boards/*.board.json emulated behind each
// board's simulated I2C bus, so the firmware's drivers run in the VM exactly as on the boards:
//   card:     PN532 (card emulation, 0x24), SC16IS750 IrDA port (0x4D), SSD1306 OLED (0x3C),
//             keypad (0x20); the modem's SC16IS750 UART (0x4C) when one is connected
//   terminal: PN532 reader (0x24), SC16IS750 IrDA port (0x4D), HD44780 LCD (0x27), keypad (0x20)
//   vending:  (with the vending machine) SC16IS750 IrDA port (0x4D), HD44780 LCD (0x27), keypad
//             (0x20), DS3231 real-time clock (0x68)
// Between them: the RF field of the two PN532s (a tap over NFC) and the infrared line from the
// card's IrDA port to the terminal's or the machine's, whichever it is held up to (a card held in
// sight). Every APDU that crosses either is traced.

import { Pn532Emulator, EmulatedCard } from "../drivers/pn532-emulator"
import { IrLine, Sc16is750Emulator } from "../drivers/sc16is750-emulator"
import { Ssd1306Emulator } from "../drivers/ssd1306-emulator"
import { Hd44780Emulator } from "../drivers/hd44780-emulator"
import { Pcf8574KeypadEmulator } from "../drivers/pcf8574-keypad-emulator"
import { SimI2cBus } from "../jacdac/i2c-bus-service"
import { Ds3231Emulator } from "../drivers/ds3231-emulator"
import type { I2cPort } from "../../src/drivers/i2c-port"
import { SirReceiver } from "../../src/link/irda-sir"

export type ChipLink = "nfc" | "infrared"
/** The boards the card can be held up to. */
export type Station = "terminal" | "vending"
/**
 * The light is slowed to a byte every 4 ms (a quarter of 9600 bit/s): an I2C transaction through
 * the simulated bus takes ~20 ms instead of ~0.1 ms on a board, and at full speed the firmware
 * could not empty the bridge's 64-byte receive FIFO in time, which no board would see. Framing,
 * FCS, FIFO levels and the protocol are what the simulation tests, not the line's speed.
 */
const LIGHT_MS_PER_BYTE = 4
/** A display is written a line at a time, one I2C transaction every ~20 ms in the simulator, and a busy VM can pause between lines. */
const SETTLED_MS = 150
/** Where the card's board wires its modem's SC16IS750 (A1 to GND, A0 to 3V3; boards/activecard_card.board.json). */
export const CARD_MODEM_UART_ADDRESS = 0x4c

/** A display read back from its emulated chip, like a simulated character screen: text and changes. */
export class ChipScreen {
    private shown = ""
    onChange: (text: string) => void = () => {}
    private lastActivity: number | null = null
    private quietSince = 0
    private readonly timer: NodeJS.Timeout

    /**
     * `activity` counts bytes the chip received: a text counts once the driver stopped writing for
     * a moment and `atRest` says no line is half written (a VM busy with long work can pause the
     * display's fiber in the middle of a line for longer than the settling time).
     */
    constructor(read: () => string[], activity: () => number, atRest: () => boolean = () => true) {
        this.timer = setInterval(() => {
            const a = activity()
            if (a !== this.lastActivity) {
                this.lastActivity = a
                this.quietSince = Date.now()
                return
            }
            if (Date.now() - this.quietSince < SETTLED_MS || !atRest()) return
            const now = read()
                .map((l) => l.trimEnd())
                .join("\n")
                .replace(/\n+$/, "")
            if (now !== this.shown) {
                this.shown = now
                this.onChange(now)
            }
        }, 10)
    }

    get text(): string {
        return this.shown
    }

    stop(): void {
        clearInterval(this.timer)
    }
}

export interface FieldObserver {
    /** A command APDU on its way to the card; return false to drop it (the card was pulled right then). */
    command(apdu: Buffer): boolean
    /** The card's answer on its way back; false to drop it. */
    response(apdu: Buffer): boolean
}

/** The vending machine's chips: its I2C bus with the infrared port, LCD, keypad and clock. */
export class VendingChips {
    readonly bus = new SimI2cBus()
    readonly ir = new Sc16is750Emulator()
    readonly lcd = new Hd44780Emulator(20, 4)
    readonly keypad = new Pcf8574KeypadEmulator()
    readonly rtc = new Ds3231Emulator()
    readonly screen: ChipScreen

    constructor() {
        this.bus.connect(0x4d, this.ir)
        this.bus.connect(0x27, this.lcd)
        this.bus.connect(0x20, this.keypad)
        this.bus.connect(0x68, this.rtc)
        this.screen = new ChipScreen(() => this.lcd.lines(), () => this.lcd.bytesReceived)
    }

    /** The clock set to `seconds` since 1970, as a service tool sets it: the oscillator-stop flag cleared. */
    async setClock(seconds: number): Promise<void> {
        this.rtc.setTime(seconds)
        await this.rtc.write(this.rtc.address, Buffer.from([0x0f, 0x08]))
    }

    async press(label: string): Promise<void> {
        await pressOn(this.keypad, label)
    }

    stop(): void {
        this.screen.stop()
    }
}

export class ChipBoards {
    readonly cardBus = new SimI2cBus()
    readonly terminalBus = new SimI2cBus()
    readonly cardNfc = new Pn532Emulator()
    readonly terminalNfc = new Pn532Emulator()
    readonly cardIr = new Sc16is750Emulator()
    readonly terminalIr = new Sc16is750Emulator()
    readonly oled = new Ssd1306Emulator()
    readonly lcd = new Hd44780Emulator(20, 4)
    readonly keypad = new Pcf8574KeypadEmulator()
    /** The card's 4x3 keypad: the same PCF8574 wiring as the terminal's, its fourth column unused. */
    readonly cardKeypad = new Pcf8574KeypadEmulator()
    readonly line: IrLine
    readonly cardScreen: ChipScreen
    readonly terminalScreen: ChipScreen
    /** The vending machine's chips, or null without one. */
    readonly vending: VendingChips | null
    private heldOver: ChipLink | null = null
    private readonly uid = Buffer.from("08c0ffee", "hex")

    constructor(
        private readonly observer: FieldObserver,
        vending = false,
    ) {
        this.vending = vending ? new VendingChips() : null
        this.cardBus.connect(0x24, this.cardNfc)
        this.cardBus.connect(0x4d, this.cardIr)
        this.cardBus.connect(0x3c, this.oled)
        this.cardBus.connect(0x20, this.cardKeypad)
        this.terminalBus.connect(0x24, this.terminalNfc)
        this.terminalBus.connect(0x4d, this.terminalIr)
        this.terminalBus.connect(0x27, this.lcd)
        this.terminalBus.connect(0x20, this.keypad)
        this.line = new IrLine(this.terminalIr, this.cardIr, LIGHT_MS_PER_BYTE)
        this.line.inSight = false
        // Infrared frames are traced as they cross: the light carries SIR frames, decoded here, each
        // an exchange number and an APDU (sc16is750-irda.ts).
        const toCard = new SirReceiver({ frame: (f: Buffer) => f.length > 0 && this.observer.command(f.subarray(1)), dropped: () => {} })
        const toTerminal = new SirReceiver({ frame: (f: Buffer) => f.length > 0 && this.observer.response(f.subarray(1)), dropped: () => {} })
        this.line.onByte = (fromStation: boolean, byte: number) => {
            const b = Buffer.from([byte])
            if (fromStation) toCard.push(b)
            else toTerminal.push(b)
        }
        this.cardScreen = new ChipScreen(() => this.oled.textLines(), () => this.oled.dataBytes, () => this.oled.betweenWrites())
        this.terminalScreen = new ChipScreen(() => this.lcd.lines(), () => this.lcd.bytesReceived)
    }

    /** Where the card is held: nowhere (null), or on the terminal's reader / in sight of an infrared port. */
    get held(): ChipLink | null {
        return this.heldOver
    }

    /** The card held to the terminal over `link`, or in sight of the vending machine's infrared port. */
    hold(link: ChipLink, station: Station = "terminal"): void {
        if (station === "vending" && (link !== "infrared" || this.vending === null)) throw new Error("the card reaches a vending machine only over its infrared port")
        this.heldOver = link
        if (link === "nfc") {
            this.terminalNfc.card = this.tracedCard(this.cardNfc.asCard(this.uid))
            this.cardNfc.fieldAppears()
        } else {
            this.line.aim(station === "vending" && this.vending !== null ? this.vending.ir : this.terminalIr)
            this.line.inSight = true
        }
    }

    /** The card taken away: the field drops, the light no longer reaches it. */
    takeAway(): void {
        this.heldOver = null
        this.terminalNfc.card = null
        this.cardNfc.fieldDrops()
        this.line.inSight = false
    }

    private tracedCard(card: EmulatedCard): EmulatedCard {
        return {
            uid: card.uid,
            ats: card.ats,
            process: async (apdu: Buffer) => {
                if (!this.observer.command(apdu) || this.held !== "nfc") return null
                const answer = await card.process(apdu)
                if (answer === null || !this.observer.response(answer)) return null
                return answer
            },
        }
    }

    /** A key pressed on the terminal's keypad (see pressOn). */
    async press(label: string): Promise<void> {
        await pressOn(this.keypad, label)
    }

    /** A key pressed on the card's keypad. */
    async pressCard(label: string): Promise<void> {
        await pressOn(this.cardKeypad, label)
    }

    /** Puts the modem's UART bridge (an emulated SC16IS750 in UART mode) on the card's I2C bus. */
    connectModem(bridge: I2cPort): void {
        this.cardBus.connect(CARD_MODEM_UART_ADDRESS, bridge)
    }

    stop(): void {
        this.line.stop()
        this.cardScreen.stop()
        this.terminalScreen.stop()
        this.vending?.stop()
        this.takeAway()
        this.cardNfc.powerOff()
        this.terminalNfc.powerOff()
    }
}

/**
 * A key press as long as the firmware needs to see it: held for three scans of the keypad, then
 * released for three. A scan takes 2-4 I2C transactions, ~20 ms each through the VM, longer while
 * another driver shares the bus, so a fixed hold time could be missed.
 */
async function pressOn(keypad: Pcf8574KeypadEmulator, label: string): Promise<void> {
    keypad.press(label)
    await scans(keypad, 3 * 2) // held: each scan reads the columns, then the row
    keypad.release(label)
    await scans(keypad, 3) // released: each scan reads the columns once
}

/** Waits until the keypad's pins were read `reads` more times (at most 5 s: a firmware that stopped scanning). */
async function scans(keypad: Pcf8574KeypadEmulator, reads: number): Promise<void> {
    const until = keypad.reads + reads
    const deadline = Date.now() + 5000
    while (keypad.reads < until && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
}
