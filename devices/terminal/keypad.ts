// The terminal's keypad (devices/common/keypad.ts: a 4x4 keypad on a PCF8574, or the Jacdac
// keypad role) as the application's Keypad: presses queue up until the application reads them.

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Keypad } from "../../src/terminal/terminal-app"
import { startKeypad } from "../common/keypad"

const keypadRole = new ds.MatrixKeypad()

/** `who` starts the log line of a missing keypad (the vending machine has the same keypad). */
export async function openTerminalKeypad(bus: I2cPort | null, who = "TERMINAL"): Promise<Keypad> {
    const pressed: string[] = []
    await startKeypad(
        bus,
        keypadRole,
        who,
        (label: string) => {
            pressed.push(label)
        },
        () => true,
    )
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
