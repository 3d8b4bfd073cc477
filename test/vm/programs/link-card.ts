// Two-VM link test, card side: the test card's APDU application served as the Card Link service.

import { serveCardLink, LINK_MAX_RESPONSE } from "../../../devices/common/card-link-server"
import { devicePlatform } from "../../../devices/common/platform"
import { TestCard } from "../../shared/test-card"

const card = new TestCard(devicePlatform, true, LINK_MAX_RESPONSE)
serveCardLink(card.applet)
console.log("CARD READY")
setInterval(async () => {
    // What the card's display shows, for the test to read.
    while (card.shown.length > 0) console.log("CARD SHOWS " + card.shown.shift())
}, 50)
