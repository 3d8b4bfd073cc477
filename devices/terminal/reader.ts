// The terminal's card reader: on a board, the PN532 NFC reader and the infrared port (either may
// be fitted), polled in turn; otherwise the Jacdac Card Link role (the simulator's abstract
// field, or a card on the same bus).

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { FieldReader } from "../../src/terminal/field-reader"
import { CardReader } from "../../src/terminal/terminal-app"
import { encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME } from "../../src/link/card-commands"
import { fromHex } from "../../src/bytes"
import { CardLinkClient, LINK_MAX_COMMAND_DATA } from "../common/card-link-client"

const cardLinkRole = new ds.CardLink()
const SELECT = encodeCommand({ cla: CLA_ISO, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: fromHex(ACTIVECARD_AID), le: 0 })

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

async function infraredPort(bus: I2cPort): Promise<Sc16is750Irda | null> {
    const ir = new Sc16is750Irda(bus, ds.sleep, 1500)
    try {
        await ir.begin()
        return ir
    } catch (e) {
        console.log("TERMINAL no infrared port: " + (e as Error).message)
        return null
    }
}

export async function openCardReader(bus: I2cPort | null): Promise<CardReader> {
    if (bus !== null) {
        const nfc = await nfcReader(bus)
        const ir = await infraredPort(bus)
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
