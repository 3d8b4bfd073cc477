// The active card's firmware: its application (src/card/active-card.ts) over the device's flash
// settings. On the board (boards/activecard_card.board.json) it answers over NFC (PN532 in card
// emulation) and infrared (SC16IS750 IrDA port) and shows its state on an SSD1306 OLED; in the
// simulator the same drivers run against emulated chips, or Jacdac roles stand in for them. The
// Card Link service is always served too: it is how an issuer's station (USB, or the simulator's
// abstract field) reaches the card.

import * as ds from "@devicescript/core"
import "@dsboard/activecard_card"
import { ActiveCard } from "../../src/card/active-card"
import { devicePlatform } from "../common/platform"
import { deviceSettings } from "../common/settings-port"
import { openI2cBus } from "../common/i2c-bus"
import { LINK_MAX_RESPONSE, serveCardLink } from "../common/card-link-server"
import { openCardPanel } from "./panel"
import { startCardRadios } from "./radio"

const button = new ds.Button()
const bus = await openI2cBus()
const panel = await openCardPanel(bus)

const card = new ActiveCard(deviceSettings, devicePlatform, panel, LINK_MAX_RESPONSE, () => ds.millis())
await card.boot()
serveCardLink(card)
const links = bus !== null ? await startCardRadios(bus, card) : ""
// A fiber rather than setInterval: the runtime's timer queue would cost the card about 1 KB of bytecode.
async function tickForever(): Promise<void> {
    while (true) {
        await ds.sleep(500)
        card.tick()
    }
}
tickForever.start()
button.down.subscribe(async () => {
    card.buttonPressed()
})
console.log("CARD READY " + (card.personalized() ? "personalized" : "blank") + (links !== "" ? " links:" + links : ""))
