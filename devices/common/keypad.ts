// A board's keypad: a matrix keypad scanned through a PCF8574 when the board has one, and the
// Jacdac matrix keypad role (the simulator's keypad, or the hardware-in-the-loop rig's). Either
// way each press reaches `pressed` as its key label ("0".."9", "#", "*", ...).

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { KEYPAD_4X4_LABELS, Pcf8574Keypad } from "../../src/drivers/pcf8574-keypad"

/**
 * `role` is the board's matrix keypad role (roles are declared at the top of a program), or null
 * to leave it unused; `who` starts the log line of a missing keypad. The PCF8574 is scanned only
 * while `wanted()` says keys are taken, leaving the bus to the other chips the rest of the time.
 */
export async function startKeypad(bus: I2cPort | null, role: ds.MatrixKeypad | null, who: string, pressed: (label: string) => void, wanted: () => boolean): Promise<void> {
    if (bus !== null) {
        const matrix = new Pcf8574Keypad(bus)
        try {
            await matrix.begin()
            // One scanning fiber, a scan every 20 ms (never overlapping: a scan takes a few I2C
            // transactions); the driver reports a key once it read the same twice (debounced).
            const scanLoop = async () => {
                for (;;) {
                    try {
                        if (wanted()) {
                            const k = await matrix.poll()
                            if (k >= 0) pressed(KEYPAD_4X4_LABELS.charAt(k))
                        }
                    } catch (e) {
                        // a bus glitch: the next scan tries again
                    }
                    await ds.sleep(20)
                }
            }
            scanLoop.start()
        } catch (e) {
            console.log(who + " no keypad: " + (e as Error).message)
        }
    }
    // A keypad on the bus types too. Key labels come from the keypad itself (its labels
    // register), so any layout works.
    if (role === null) return
    let labels: string[] = []
    role.down.subscribe(async (index: number) => {
        if (labels.length === 0) labels = await role.labels.read()
        if (index >= 0 && index < labels.length) pressed(labels[index])
    })
}
