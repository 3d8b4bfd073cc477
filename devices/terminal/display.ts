// The terminal's display: a 20x4 HD44780 LCD on its PCF8574 backpack when the board has one,
// and the Jacdac character screen role whenever a screen is on the bus (the simulator's, or the
// hardware-in-the-loop rig's, which reads the terminal this way). Texts are logged as well.

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Hd44780Lcd, LCD_I2C_ADDRESS } from "../../src/drivers/hd44780-lcd"
import { TerminalDisplay } from "../../src/terminal/terminal-app"

const screenRole = new ds.CharacterScreen()

export async function openTerminalDisplay(bus: I2cPort | null): Promise<TerminalDisplay> {
    let lcd: Hd44780Lcd | null = null
    if (bus !== null) {
        const candidate = new Hd44780Lcd(bus, ds.sleep, LCD_I2C_ADDRESS, 20, 4)
        try {
            await candidate.begin()
            lcd = candidate
        } catch (e) {
            console.log("TERMINAL no LCD: " + (e as Error).message)
        }
    }
    let wanted = ""
    let shown = ""
    // The application sets the text; one fiber pushes it out (an LCD write takes a few I2C
    // transactions, and two writes must never interleave).
    const pushLoop = async () => {
        for (;;) {
            const text = wanted
            if (text !== shown) {
                if (lcd !== null) {
                    try {
                        await lcd.show(text)
                        shown = text
                    } catch (e) {
                        // a bus glitch: the next round writes it again
                        console.log("TERMINAL LCD write failed: " + (e as Error).message)
                    }
                } else if (screenRole.isBound) shown = text
                // A screen on the bus (the simulator's, or a test rig's next to the LCD) shows the same.
                if (screenRole.isBound) await screenRole.message.write(text)
            }
            await ds.sleep(20)
        }
    }
    pushLoop.start()
    return {
        show: (text: string) => {
            if (text !== wanted) console.log("TERMINAL DISPLAY " + text.split("\n").join(" | "))
            wanted = text
        },
    }
}
