// The terminal's card reader: on a board, the PN532 NFC reader and the infrared port (either may
// be fitted), polled in turn; otherwise the Jacdac Card Link role (the simulator's abstract
// field, or a card on the same bus).

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { FieldReader } from "../../src/terminal/field-reader"
import { CardReader } from "../../src/terminal/terminal-app"
import { openInfraredPort, SELECT } from "../common/infrared-port"
import { CardLinkClient, LINK_MAX_COMMAND_DATA } from "../common/card-link-client"

const cardLinkRole = new ds.CardLink()

async function nfcReader(bus: I2cPort): Promise<Pn532Reader | null> {
    const reader = new Pn532Reader(bus, ds.sleep, 1000)
    try {
        await reader.begin()
        return reader
    } catch (e) {
        console.log("TERMINAL no NFC reader: " + (e as Error).message)
        return null
    }
}

export async function openCardReader(bus: I2cPort | null): Promise<CardReader> {
    if (bus !== null) {
        const nfc = await nfcReader(bus)
        const ir = await openInfraredPort(bus, "TERMINAL")
        if (nfc !== null || ir !== null) {
            console.log("TERMINAL links:" + (nfc !== null ? " nfc" : "") + (ir !== null ? " infrared" : ""))
            const field = new FieldReader(nfc, ir, SELECT, LINK_MAX_COMMAND_DATA, ds.sleep, ds.millis)
            return {
                waitForCard: async (timeoutMs: number) => {
                    const found = await field.waitForCard(timeoutMs)
                    if (found) console.log("TERMINAL CARD ON " + field.linkInUse)
                    else if (field.chipErrors > 0) console.log("TERMINAL reader chip errors: " + field.chipErrors)
                    return found
                },
                card: () => field.card(),
            }
        }
    }
    const link = new CardLinkClient(cardLinkRole, 500, 4)
    return {
        waitForCard: async (timeoutMs: number) => {
            const start = ds.millis()
            while (ds.millis() - start < timeoutMs) {
                if (await link.probe(SELECT, 150)) return true
                await ds.sleep(20)
            }
            return false
        },
        card: () => new ApduCardPort(link, LINK_MAX_COMMAND_DATA),
    }
}
