// The card's radios on a board: the PN532 in card emulation and the infrared port, whichever are
// fitted, each served by its own loop (src/card/card-radio.ts).

import * as ds from "@devicescript/core"
import { devicePlatform } from "../common/platform"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Pn532Target } from "../../src/drivers/pn532-target"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { CardRadio } from "../../src/card/card-radio"
import { ApduApp } from "../../src/link/apdu-link"

export async function startCardRadios(bus: I2cPort, app: ApduApp): Promise<string> {
    const radio = new CardRadio(app, ds.sleep)
    let links = ""
    // A random NFCID per power-up, as phones do: a reader cannot track the card by its UID.
    const target = new Pn532Target(bus, ds.sleep, 5000, devicePlatform.randomBytes(3))
    try {
        await target.begin()
        links += " nfc"
        const serveNfc = async () => {
            await radio.serveNfc(target)
        }
        serveNfc.start() // a fiber of its own: it never returns
    } catch (e) {
        console.log("CARD no NFC front end: " + (e as Error).message)
    }
    const ir = new Sc16is750Irda(bus, ds.sleep, 1500)
    try {
        await ir.begin()
        links += " infrared"
        const serveInfrared = async () => {
            await radio.serveInfrared(ir)
        }
        serveInfrared.start()
    } catch (e) {
        console.log("CARD no infrared port: " + (e as Error).message)
    }
    return links
}
