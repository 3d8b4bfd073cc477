// The terminal's display: a 20x4 HD44780 LCD on its PCF8574 backpack when the board has one,
// and the Jacdac character screen role whenever a screen is on the bus (the simulator's, or the
// hardware-in-the-loop rig's, which reads the terminal this way). Texts are logged as well.
// The vending machine has the same LCD and uses this too.

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Hd44780Lcd, LCD_I2C_ADDRESS } from "../../src/drivers/hd44780-lcd"
import { TerminalDisplay } from "../../src/terminal/terminal-app"
import { startTextOutput } from "../common/text-output"

const screenRole = new ds.CharacterScreen()

/** `who` starts the log lines ("TERMINAL", or "VENDING" on the vending machine, same LCD). */
export async function openTerminalDisplay(bus: I2cPort | null, who = "TERMINAL"): Promise<TerminalDisplay> {
    let lcd: Hd44780Lcd | null = null
    if (bus !== null) {
        const candidate = new Hd44780Lcd(bus, ds.sleep, LCD_I2C_ADDRESS, 20, 4)
        try {
            await candidate.begin()
            lcd = candidate
        } catch (e) {
            console.log(who + " no LCD: " + (e as Error).message)
        }
    }
    const output = startTextOutput(lcd, screenRole, who + " LCD")
    let wanted = ""
    return {
        show: (text: string) => {
            if (text !== wanted) console.log(who + " DISPLAY " + text.split("\n").join(" | "))
            wanted = text
            output(text)
        },
    }
}
