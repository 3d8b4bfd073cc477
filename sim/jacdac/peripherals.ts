// The boards' peripherals as simulated Jacdac services (codes from the Jacdac service specs, as
// bundled in @devicescript/core's devicescript-spec.d.ts): a character screen, a matrix keypad,
// a push button, an RGB LED and a relay. Each keeps its state in Node and answers the DeviceScript
// clients ds.CharacterScreen, ds.MatrixKeypad, ds.Button, ds.Led and ds.Relay.

import { CMD_GET_REG, CMD_SET_REG, eventCommand } from "./frame"
import { SimService } from "./sim-device"

export { CMD_GET_REG, CMD_SET_REG }
export const SRV_CHARACTER_SCREEN = 523748714
export const SRV_MATRIX_KEYPAD = 319172040
export const SRV_BUTTON = 343122531
export const SRV_LED = 369743088
export const SRV_RELAY = 406840918

function u8(n: number): Buffer {
    return Buffer.from([n & 0xff])
}

function u16(n: number): Buffer {
    const b = Buffer.alloc(2)
    b.writeUInt16LE(n & 0xffff, 0)
    return b
}

function u32(n: number): Buffer {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n >>> 0, 0)
    return b
}

/** What a service reads out, by register code: each register's value as it is now. */
type Readable = Record<number, () => Buffer>

/**
 * Shared by the peripherals: register reads answered from the service's table of readable
 * registers, register writes and commands handed to write(), events sent with the device's
 * event counter.
 */
abstract class SimServiceBase implements SimService {
    abstract readonly serviceClass: number
    protected abstract readonly readable: Readable
    private emit: (command: number, payload: Buffer) => void = () => {}

    attach(emit: (command: number, payload: Buffer) => void): void {
        this.emit = emit
    }

    handle(command: number, payload: Buffer): Buffer | null {
        const read = (command & 0xf000) === CMD_GET_REG ? this.readable[command & 0xfff] : undefined
        if (read) return read()
        this.write(command, payload)
        return null
    }

    /** A register write or a command (anything but a register read); unknown ones are ignored. */
    protected write(_command: number, _payload: Buffer): void {}

    protected event(code: number, payload: Buffer = Buffer.alloc(0)): void {
        this.emit(eventCommand(code), payload)
    }
}

/** Streaming registers of a sensor: accepted and read back; readings are only sent when asked. */
class SensorStreaming {
    static readonly REG = { samples: 0x03, interval: 0x04 }
    samples = 0
    intervalMs = 50

    readonly readable: Readable = {
        [SensorStreaming.REG.samples]: () => u8(this.samples),
        [SensorStreaming.REG.interval]: () => u32(this.intervalMs),
    }

    write(command: number, payload: Buffer): void {
        if (command === (CMD_SET_REG | SensorStreaming.REG.samples) && payload.length >= 1) this.samples = payload[0]
        else if (command === (CMD_SET_REG | SensorStreaming.REG.interval) && payload.length >= 4) this.intervalMs = payload.readUInt32LE(0)
    }
}

const SCREEN_REG = { intensity: 0x01, message: 0x02, textDirection: 0x82, variant: 0x107, rows: 0x180, columns: 0x181 }

export class SimCharacterScreen extends SimServiceBase {
    readonly serviceClass = SRV_CHARACTER_SCREEN
    text = ""
    intensity = 0xffff
    /** Called with the new text each time the Message register is written. */
    onChange: (text: string) => void = () => {}

    protected readonly readable: Readable = {
        [SCREEN_REG.message]: () => Buffer.from(this.text, "utf8"),
        [SCREEN_REG.intensity]: () => u16(this.intensity),
        [SCREEN_REG.variant]: () => u8(1), // LCD
        [SCREEN_REG.textDirection]: () => u8(1), // left to right
        [SCREEN_REG.rows]: () => u8(this.rows),
        [SCREEN_REG.columns]: () => u8(this.columns),
    }

    constructor(
        readonly rows = 2,
        readonly columns = 16,
    ) {
        super()
    }

    protected write(command: number, payload: Buffer): void {
        if (command === (CMD_SET_REG | SCREEN_REG.message)) {
            this.text = payload.toString("utf8")
            this.onChange(this.text)
        } else if (command === (CMD_SET_REG | SCREEN_REG.intensity) && payload.length >= 2) this.intensity = payload.readUInt16LE(0)
    }
}

const KEYPAD_REG = { pressed: 0x101, variant: 0x107, rows: 0x180, columns: 0x181, labels: 0x182 }
const KEYPAD_EV = { down: 0x01, up: 0x02, click: 0x80 }

export class SimMatrixKeypad extends SimServiceBase {
    readonly serviceClass = SRV_MATRIX_KEYPAD
    private readonly streaming = new SensorStreaming()
    private pressed: number[] = []

    protected readonly readable: Readable = {
        ...this.streaming.readable,
        [KEYPAD_REG.pressed]: () => Buffer.from(this.pressed),
        [KEYPAD_REG.rows]: () => u8(this.rows),
        [KEYPAD_REG.columns]: () => u8(this.columns),
        // Each label NUL-terminated, in index order.
        [KEYPAD_REG.labels]: () => Buffer.from(this.labels.map((l) => l + "\0").join(""), "utf8"),
        [KEYPAD_REG.variant]: () => u8(1), // membrane
    }

    constructor(
        readonly rows: number,
        readonly columns: number,
        readonly labels: string[],
    ) {
        super()
        if (labels.length !== rows * columns) throw new Error(`a ${rows}x${columns} keypad needs ${rows * columns} labels`)
    }

    /** A short press of the key with this label: Down, Up and Click events with its index. */
    press(label: string): void {
        const index = this.labels.indexOf(label)
        if (index < 0) throw new Error(`no key labelled ${JSON.stringify(label)}`)
        this.pressed = [index]
        this.event(KEYPAD_EV.down, u8(index))
        this.pressed = []
        this.event(KEYPAD_EV.up, u8(index))
        this.event(KEYPAD_EV.click, u8(index))
    }

    protected write(command: number, payload: Buffer): void {
        this.streaming.write(command, payload)
    }
}

const BUTTON_REG = { pressure: 0x101, analog: 0x180, pressed: 0x181 }
const BUTTON_EV = { down: 0x01, up: 0x02, hold: 0x81 }
const BUTTON_HOLD_EVERY_MS = 500

export class SimButton extends SimServiceBase {
    readonly serviceClass = SRV_BUTTON
    private readonly streaming = new SensorStreaming()
    private pressed = false

    protected readonly readable: Readable = {
        ...this.streaming.readable,
        [BUTTON_REG.pressure]: () => u16(this.pressed ? 0xffff : 0),
        [BUTTON_REG.analog]: () => u8(0),
        [BUTTON_REG.pressed]: () => u8(this.pressed ? 1 : 0),
    }

    /**
     * A press held for `holdMs`, sent at once: Down, a Hold for every 500 ms held, then Up with
     * the duration (the simulation does not wait; only the reported times say how long).
     */
    press(holdMs = 100): void {
        this.pressed = true
        this.event(BUTTON_EV.down)
        for (let t = BUTTON_HOLD_EVERY_MS; t <= holdMs; t += BUTTON_HOLD_EVERY_MS) this.event(BUTTON_EV.hold, u32(t))
        this.pressed = false
        this.event(BUTTON_EV.up, u32(holdMs))
    }

    protected write(command: number, payload: Buffer): void {
        this.streaming.write(command, payload)
    }
}

const LED_REG = { intensity: 0x01, pixels: 0x02, actualBrightness: 0x180, numPixels: 0x182, ledsPerPixel: 0x184 }

export class SimLed extends SimServiceBase {
    readonly serviceClass = SRV_LED
    /** First pixel's color, "#rrggbb". */
    color = "#000000"
    /** u0.8 */
    intensity = 0xff
    private pixels: Buffer
    /** Called with the first pixel's color each time the Pixels register is written. */
    onChange: (color: string) => void = () => {}

    protected readonly readable: Readable = {
        [LED_REG.pixels]: () => Buffer.from(this.pixels),
        [LED_REG.intensity]: () => u8(this.intensity),
        [LED_REG.actualBrightness]: () => u8(this.intensity),
        [LED_REG.numPixels]: () => u16(this.numPixels),
        [LED_REG.ledsPerPixel]: () => u16(1),
    }

    constructor(readonly numPixels = 1) {
        super()
        this.pixels = Buffer.alloc(3 * numPixels)
    }

    protected write(command: number, payload: Buffer): void {
        if (command === (CMD_SET_REG | LED_REG.pixels)) {
            // A short write leaves the remaining pixels black; extra bytes are ignored.
            this.pixels = Buffer.alloc(3 * this.numPixels)
            payload.copy(this.pixels, 0, 0, Math.min(payload.length, this.pixels.length))
            this.color = "#" + this.pixels.subarray(0, 3).toString("hex")
            this.onChange(this.color)
        } else if (command === (CMD_SET_REG | LED_REG.intensity) && payload.length >= 1) this.intensity = payload[0]
    }
}

const RELAY_REG = { enabled: 0x01, variant: 0x107, maxSwitchingCurrent: 0x180 }

/** A relay (the vending machine's dispense output): each time it is energized counts as one activation. */
export class SimRelay extends SimServiceBase {
    readonly serviceClass = SRV_RELAY
    enabled = false
    /** Times the relay went from off to on. */
    activations = 0
    /** When it last went on (ms since the epoch), or null. */
    lastOnAt: number | null = null
    /** Called with each change of state. */
    onChange: (enabled: boolean) => void = () => {}

    protected readonly readable: Readable = {
        [RELAY_REG.enabled]: () => u8(this.enabled ? 1 : 0),
        [RELAY_REG.variant]: () => u8(2), // solid state
        [RELAY_REG.maxSwitchingCurrent]: () => u32(2000),
    }

    /** The board lost power: the relay drops out. */
    powerOff(): void {
        this.set(false)
    }

    protected write(command: number, payload: Buffer): void {
        if (command === (CMD_SET_REG | RELAY_REG.enabled) && payload.length >= 1) this.set(payload[0] !== 0)
    }

    private set(on: boolean): void {
        if (on === this.enabled) return
        this.enabled = on
        if (on) {
            this.activations++
            this.lastOnAt = Date.now()
        }
        this.onChange(on)
    }
}
