// The firmware of a card that pays over EAP-TLS (src/card/tls-card.ts): the same board, drivers
// and application as devices/card/main.ts, with the EAP-TLS card family in place of EAP-AKA's.
// A card image carries one method family (docs/devicescript.md: both do not fit the 64 KB code
// section), and the profile the issuer writes names it: this image takes only an EAP-TLS record.
// The board has no clock: the server certificate's validity is not checked on the card, and the
// server judges the tickets' age.

import * as ds from "@devicescript/core"
import "@dsboard/activecard_card"
import { ActiveCard } from "../../src/card/active-card"
import { tlsCard } from "../../src/card/tls-card"
import { devicePlatform } from "../common/platform"
import { deviceSettings } from "../common/settings-port"
import { openI2cBus } from "../common/i2c-bus"
import { LINK_MAX_RESPONSE, serveCardLink } from "../common/card-link-server"
import { openCardPanel } from "../card/panel"
import { startCardRadios } from "../card/radio"
import { startKeypad } from "../common/keypad"

const button = new ds.Button()
const bus = await openI2cBus()
const panel = await openCardPanel(bus)

const card = new ActiveCard(tlsCard(deviceSettings, devicePlatform, () => -1), panel, LINK_MAX_RESPONSE, () => ds.millis(), null)
await card.boot()
serveCardLink(card)
const links = bus !== null ? await startCardRadios(bus, card) : ""
// The keypad is on the board's I2C bus; a card without one takes no keys (devices/card/main.ts).
await startKeypad(
    bus,
    null,
    "CARD",
    (label: string) => {
        card.keyPressed(label)
    },
    () => card.takesKeys(),
)
// A fiber rather than setInterval: the runtime's timer queue would cost about 1 KB of bytecode.
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
console.log("CARD READY " + (card.personalized() ? "personalized" : "blank") + " EAP-TLS" + (links !== "" ? " links:" + links : ""))
