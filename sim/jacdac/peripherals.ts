// The boards' peripherals as simulated Jacdac services (codes from the Jacdac service specs, as
// bundled in @devicescript/core's devicescript-spec.d.ts): a character screen, a matrix keypad,
// a push button and an RGB LED. Each keeps its state in Node and answers the DeviceScript clients
// ds.CharacterScreen, ds.MatrixKeypad, ds.Button and ds.Led.

import { eventCommand, SimService } from "./sim-device"

export const CMD_GET_REG = 0x1000
export const CMD_SET_REG = 0x2000

export const SRV_CHARACTER_SCREEN = 523748714
export const SRV_MATRIX_KEYPAD = 319172040
export const SRV_BUTTON = 343122531
export const SRV_LED = 369743088

// Registers every sensor has: the client sets how many readings to stream and how often.
const REG_STREAMING_SAMPLES = 0x03
const REG_STREAMING_INTERVAL = 0x04

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

/** Sending side shared by the peripherals: their events (the device adds the event counter). */
abstract class SimServiceBase implements SimService {
    abstract readonly serviceClass: number
    private emit: (command: number, payload: Buffer) => void = () => {}

    attach(emit: (command: number, payload: Buffer) => void): void {
        this.emit = emit
    }

    abstract handle(command: number, payload: Buffer): Buffer | null

    protected event(code: number, payload: Buffer = Buffer.alloc(0)): void {
        this.emit(eventCommand(code), payload)
    }
}

/** Streaming registers of a sensor: accepted and read back; readings are only sent when asked. */
class SensorStreaming {
    samples = 0
    intervalMs = 50

    /** The answer for a streaming register command, or undefined when it is not one. */
    handle(command: number, payload: Buffer): Buffer | null | undefined {
        if (command === (CMD_SET_REG | REG_STREAMING_SAMPLES) && payload.length >= 1) this.samples = payload[0]
        else if (command === (CMD_SET_REG | REG_STREAMING_INTERVAL) && payload.length >= 4) this.intervalMs = payload.readUInt32LE(0)
        else if (command === (CMD_GET_REG | REG_STREAMING_SAMPLES)) return u8(this.samples)
        else if (command === (CMD_GET_REG | REG_STREAMING_INTERVAL)) return u32(this.intervalMs)
        else return undefined
        return null
    }
}

const SCREEN_REG_MESSAGE = 0x02
const SCREEN_REG_INTENSITY = 0x01
const SCREEN_REG_VARIANT = 0x107
const SCREEN_REG_TEXT_DIRECTION = 0x82
const SCREEN_REG_ROWS = 0x180
const SCREEN_REG_COLUMNS = 0x181

export class SimCharacterScreen extends SimServiceBase {
    readonly serviceClass = SRV_CHARACTER_SCREEN
    text = ""
    intensity = 0xffff
    /** Called with the new text each time the Message register is written. */
    onChange: (text: string) => void = () => {}

    constructor(
        readonly rows = 2,
        readonly columns = 16,
    ) {
        super()
    }

    handle(command: number, payload: Buffer): Buffer | null {
        switch (command) {
            case CMD_SET_REG | SCREEN_REG_MESSAGE:
                this.text = payload.toString("utf8")
                this.onChange(this.text)
                return null
            case CMD_GET_REG | SCREEN_REG_MESSAGE:
                return Buffer.from(this.text, "utf8")
            case CMD_SET_REG | SCREEN_REG_INTENSITY:
                if (payload.length >= 2) this.intensity = payload.readUInt16LE(0)
                return null
            case CMD_GET_REG | SCREEN_REG_INTENSITY:
                return u16(this.intensity)
            case CMD_GET_REG | SCREEN_REG_VARIANT:
                return u8(1) // LCD
            case CMD_GET_REG | SCREEN_REG_TEXT_DIRECTION:
                return u8(1) // left to right
            case CMD_GET_REG | SCREEN_REG_ROWS:
                return u8(this.rows)
            case CMD_GET_REG | SCREEN_REG_COLUMNS:
                return u8(this.columns)
        }
        return null
    }
}

const KEYPAD_REG_PRESSED = 0x101
const KEYPAD_REG_ROWS = 0x180
const KEYPAD_REG_COLUMNS = 0x181
const KEYPAD_REG_LABELS = 0x182
const KEYPAD_REG_VARIANT = 0x107
const KEYPAD_EV_DOWN = 0x01
const KEYPAD_EV_UP = 0x02
const KEYPAD_EV_CLICK = 0x80

export class SimMatrixKeypad extends SimServiceBase {
    readonly serviceClass = SRV_MATRIX_KEYPAD
    private readonly streaming = new SensorStreaming()
    private pressed: number[] = []

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
        this.event(KEYPAD_EV_DOWN, u8(index))
        this.pressed = []
        this.event(KEYPAD_EV_UP, u8(index))
        this.event(KEYPAD_EV_CLICK, u8(index))
    }

    handle(command: number, payload: Buffer): Buffer | null {
        const streamed = this.streaming.handle(command, payload)
        if (streamed !== undefined) return streamed
        switch (command) {
            case CMD_GET_REG | KEYPAD_REG_PRESSED:
                return Buffer.from(this.pressed)
            case CMD_GET_REG | KEYPAD_REG_ROWS:
                return u8(this.rows)
            case CMD_GET_REG | KEYPAD_REG_COLUMNS:
                return u8(this.columns)
            case CMD_GET_REG | KEYPAD_REG_LABELS:
                // Each label NUL-terminated, in index order.
                return Buffer.from(this.labels.map((l) => l + "\0").join(""), "utf8")
            case CMD_GET_REG | KEYPAD_REG_VARIANT:
                return u8(1) // membrane
        }
        return null
    }
}

const BUTTON_REG_PRESSURE = 0x101
const BUTTON_REG_ANALOG = 0x180
const BUTTON_REG_PRESSED = 0x181
const BUTTON_EV_DOWN = 0x01
const BUTTON_EV_UP = 0x02
const BUTTON_EV_HOLD = 0x81
const BUTTON_HOLD_EVERY_MS = 500

export class SimButton extends SimServiceBase {
    readonly serviceClass = SRV_BUTTON
    private readonly streaming = new SensorStreaming()
    private pressed = false

    /**
     * A press held for `holdMs`, sent at once: Down, a Hold for every 500 ms held, then Up with
     * the duration (the simulation does not wait; only the reported times say how long).
     */
    press(holdMs = 100): void {
        this.pressed = true
        this.event(BUTTON_EV_DOWN)
        for (let t = BUTTON_HOLD_EVERY_MS; t <= holdMs; t += BUTTON_HOLD_EVERY_MS) this.event(BUTTON_EV_HOLD, u32(t))
        this.pressed = false
        this.event(BUTTON_EV_UP, u32(holdMs))
    }

    handle(command: number, payload: Buffer): Buffer | null {
        const streamed = this.streaming.handle(command, payload)
        if (streamed !== undefined) return streamed
        switch (command) {
            case CMD_GET_REG | BUTTON_REG_PRESSURE:
                return u16(this.pressed ? 0xffff : 0)
            case CMD_GET_REG | BUTTON_REG_ANALOG:
                return u8(0)
            case CMD_GET_REG | BUTTON_REG_PRESSED:
                return u8(this.pressed ? 1 : 0)
        }
        return null
    }
}

const LED_REG_PIXELS = 0x02
const LED_REG_INTENSITY = 0x01
const LED_REG_ACTUAL_BRIGHTNESS = 0x180
const LED_REG_NUM_PIXELS = 0x182
const LED_REG_LEDS_PER_PIXEL = 0x184

export class SimLed extends SimServiceBase {
    readonly serviceClass = SRV_LED
    /** First pixel's color, "#rrggbb". */
    color = "#000000"
    /** u0.8 */
    intensity = 0xff
    private pixels: Buffer
    /** Called with the first pixel's color each time the Pixels register is written. */
    onChange: (color: string) => void = () => {}

    constructor(readonly numPixels = 1) {
        super()
        this.pixels = Buffer.alloc(3 * numPixels)
    }

    handle(command: number, payload: Buffer): Buffer | null {
        switch (command) {
            case CMD_SET_REG | LED_REG_PIXELS:
                // A short write leaves the remaining pixels black; extra bytes are ignored.
                this.pixels = Buffer.alloc(3 * this.numPixels)
                payload.copy(this.pixels, 0, 0, Math.min(payload.length, this.pixels.length))
                this.color = "#" + this.pixels.subarray(0, 3).toString("hex")
                this.onChange(this.color)
                return null
            case CMD_GET_REG | LED_REG_PIXELS:
                return Buffer.from(this.pixels)
            case CMD_SET_REG | LED_REG_INTENSITY:
                if (payload.length >= 1) this.intensity = payload[0]
                return null
            case CMD_GET_REG | LED_REG_INTENSITY:
            case CMD_GET_REG | LED_REG_ACTUAL_BRIGHTNESS:
                return u8(this.intensity)
            case CMD_GET_REG | LED_REG_NUM_PIXELS:
                return u16(this.numPixels)
            case CMD_GET_REG | LED_REG_LEDS_PER_PIXEL:
                return u16(1)
        }
        return null
    }
}
