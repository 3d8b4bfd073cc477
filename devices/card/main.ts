// The active card's firmware: its application (src/card/active-card.ts) over the device's flash
// settings. On the board (boards/activecard_card.board.json) it answers over NFC (PN532 in card
// emulation) and infrared (SC16IS750 IrDA port), shows its state on an SSD1306 OLED and takes
// keys from a 4x3 keypad on a PCF8574; in the simulator the same drivers run against emulated
// chips, or Jacdac roles stand in for them. The Card Link service is always served too: it is how
// an issuer's station (USB, or the simulator's abstract field) reaches the card. The board also
// wires a cellular modem to a second SC16IS750 in UART mode (I2C 0x4C, power key on GPIO10,
// `modem` in the board definition) for SMS notices.

import * as ds from "@devicescript/core"
import "@dsboard/activecard_card"
import { ActiveCard } from "../../src/card/active-card"
import { akaCard } from "../../src/card/aka-card"
import { devicePlatform } from "../common/platform"
import { deviceSettings } from "../common/settings-port"
import { openI2cBus } from "../common/i2c-bus"
import { LINK_MAX_RESPONSE, serveCardLink } from "../common/card-link-server"
import { openCardPanel } from "./panel"
import { startCardRadios } from "./radio"
import { startKeypad } from "../common/keypad"
import { startCertificate } from "./certificate"

const button = new ds.Button()
const bus = await openI2cBus()
const panel = await openCardPanel(bus)

const cert = await startCertificate(bus, panel)
const card = new ActiveCard(akaCard(deviceSettings, devicePlatform), panel, LINK_MAX_RESPONSE, () => ds.millis(), cert)
await card.boot()
serveCardLink(card)
const links = bus !== null ? await startCardRadios(bus, card) : ""
// The keypad is on the board's I2C bus. A card without one (the simulator's abstract field, the
// hardware-in-the-loop bus) takes no keys: a keypad role there would find the rig's keypad, which
// types for the terminal. During a transaction the card takes no keys: the radios and the display
// have the bus to themselves.
await startKeypad(
    bus,
    null,
    "CARD",
    (label: string) => {
        card.keyPressed(label)
    },
    () => card.takesKeys(),
)
// A fiber rather than setInterval: the runtime's timer queue would cost the card about 1 KB of bytecode.
async function tickForever(): Promise<void> {
    while (true) {
        await ds.sleep(500)
        try {
            card.tick()
        } catch (e) {
            console.log("CARD TICK FAILED")
        }
    }
}
tickForever.start()
button.down.subscribe(async () => {
    card.buttonPressed()
})
console.log("CARD READY " + (card.personalized() ? "personalized" : "blank") + (links !== "" ? " links:" + links : ""))
