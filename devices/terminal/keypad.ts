// The terminal's keypad: a 4x4 matrix keypad scanned through a PCF8574 when the board has one,
// and the Jacdac matrix keypad role (the simulator's keypad, or the hardware-in-the-loop rig's).
// Either way the application gets key labels ("0".."9", "#", "*", ...).

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { KEYPAD_4X4_LABELS, KEYPAD_I2C_ADDRESS, Pcf8574Keypad } from "../../src/drivers/pcf8574-keypad"
import { Keypad } from "../../src/terminal/terminal-app"

const keypadRole = new ds.MatrixKeypad()

export async function openTerminalKeypad(bus: I2cPort | null): Promise<Keypad> {
    const pressed: string[] = []
    let matrix: Pcf8574Keypad | null = null
    if (bus !== null) {
        const candidate = new Pcf8574Keypad(bus, ds.sleep, KEYPAD_I2C_ADDRESS)
        try {
            await candidate.begin()
            matrix = candidate
        } catch (e) {
            console.log("TERMINAL no keypad: " + (e as Error).message)
        }
    }
    const scanned = matrix
    if (scanned !== null) {
        // One scanning fiber, a scan every 20 ms (never overlapping: a scan takes a few I2C
        // transactions); the driver reports a key once it read the same twice (debounced).
        const scanLoop = async () => {
            for (;;) {
                try {
                    const k = await scanned.poll()
                    if (k >= 0) pressed.push(KEYPAD_4X4_LABELS[k])
                } catch (e) {
                    // a bus glitch: the next scan tries again
                }
                await ds.sleep(20)
            }
        }
        scanLoop.start()
    }
    // A keypad on the bus types too (the simulator's, or the hardware-in-the-loop rig's). Key
    // labels come from the keypad itself (its labels register), so any layout works.
    let labels: string[] = []
    keypadRole.down.subscribe(async (index: number) => {
        if (labels.length === 0) labels = await keypadRole.labels.read()
        if (index >= 0 && index < labels.length) pressed.push(labels[index])
    })
    return {
        nextKey: async (timeoutMs: number) => {
            for (let waited = 0; waited < timeoutMs; waited += 10) {
                if (pressed.length > 0) return pressed.shift()
                await ds.sleep(10)
            }
            return ""
        },
    }
}
