// The active card's firmware: its application (src/card/active-card.ts) over the device's flash
// settings, served on the Card Link, with its display, status LED and button reached as Jacdac
// roles (simulated peripherals in the simulator, drivers for the real chips on a board).

import * as ds from "@devicescript/core"
import { ActiveCard, CardPanel } from "../../src/card/active-card"
import { devicePlatform } from "../common/platform"
import { deviceSettings } from "../common/settings-port"
import { LINK_MAX_RESPONSE, serveCardLink } from "../common/card-link-server"

const screen = new ds.CharacterScreen()
const led = new ds.Led()
const button = new ds.Button()

// The application sets what to show; this loop pushes changes to the peripherals (which may bind late).
let wantedText = ""
let shownText = ""
let wantedRgb = 0
let shownRgb = -1
const panel: CardPanel = {
    show: (text: string) => {
        console.log("CARD DISPLAY " + text.split("\n").join(" | "))
        wantedText = text
    },
    led: (rgb: number) => {
        wantedRgb = rgb
    },
}
setInterval(async () => {
    if (wantedText !== shownText && screen.isBound) {
        shownText = wantedText
        await screen.message.write(wantedText)
    }
    if (wantedRgb !== shownRgb && led.isBound) {
        shownRgb = wantedRgb
        const px = Buffer.alloc(3)
        px[0] = (wantedRgb >> 16) & 0xff
        px[1] = (wantedRgb >> 8) & 0xff
        px[2] = wantedRgb & 0xff
        await led.pixels.write(px)
    }
}, 20)

// Let the board's own peripherals bind before anything is shown.
for (let i = 0; i < 40 && !(screen.isBound && led.isBound); i++) await ds.sleep(25)

const card = new ActiveCard(deviceSettings, devicePlatform, panel, LINK_MAX_RESPONSE, () => ds.millis())
await card.boot()
serveCardLink(card)
setInterval(() => {
    card.tick()
}, 500)
button.down.subscribe(async () => {
    card.buttonPressed()
})
console.log("CARD READY " + (card.personalized() ? "personalized" : "blank"))
