// The card side of the Card Link service (services/cardlink.md): every APDU the terminal sends
// goes to the card's APDU application and its answer goes back as the command's report.

import * as ds from "@devicescript/core"
import { Server, startServer } from "@devicescript/server"
import { CardApplet } from "../../src/card/card-applet"

/** Responses are cut here so that an answer APDU fits one Jacdac packet. */
export const LINK_MAX_RESPONSE = 200

class CardLinkServer extends Server implements ds.CardLinkServerSpec {
    constructor(private readonly applet: CardApplet) {
        super(ds.CardLink.spec)
    }

    async transceive(apdu: Buffer): Promise<Buffer> {
        return await this.applet.process(apdu)
    }
}

export function serveCardLink(applet: CardApplet): void {
    startServer(new CardLinkServer(applet))
}
