// The card's holder-facing panel: its small display (a 128x32 SSD1306 OLED when the board has
// one, otherwise the Jacdac character screen role) and its status LED (the board's RGB LED, a
// Jacdac role on both). The application sets what to show; fibers push changes out, so a slow
// display never holds up an APDU.

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { OLED_I2C_ADDRESS, Ssd1306Text } from "../../src/drivers/ssd1306-text"
import { CardPanel } from "../../src/card/active-card"
import { startTextOutput } from "../common/text-output"

const screenRole = new ds.CharacterScreen()
const ledRole = new ds.Led()

export async function openCardPanel(bus: I2cPort | null): Promise<CardPanel> {
    let oled: Ssd1306Text | null = null
    if (bus !== null) {
        const candidate = new Ssd1306Text(bus, OLED_I2C_ADDRESS, 32)
        try {
            await candidate.begin()
            oled = candidate
        } catch (e) {
            console.log("CARD no OLED: " + (e as Error).message)
        }
    }
    // Let the board's own peripherals bind before anything is shown.
    for (let i = 0; i < 40 && !((oled !== null || screenRole.isBound) && ledRole.isBound); i++) await ds.sleep(25)
    const output = startTextOutput(oled, screenRole, "CARD OLED")
    // The LED is pushed by its own fiber, for the same reason.
    let wantedRgb = 0
    let shownRgb = -1
    const ledLoop = async () => {
        for (;;) {
            const rgb = wantedRgb
            if (rgb !== shownRgb && ledRole.isBound) {
                shownRgb = rgb
                const px = Buffer.alloc(3)
                px[0] = (rgb >> 16) & 0xff
                px[1] = (rgb >> 8) & 0xff
                px[2] = rgb & 0xff
                await ledRole.pixels.write(px)
            }
            await ds.sleep(20)
        }
    }
    ledLoop.start()
    return {
        show: (text: string) => {
            console.log("CARD DISPLAY " + text.split("\n").join(" | "))
            output(text)
        },
        led: (rgb: number) => {
            wantedRgb = rgb
        },
    }
}
