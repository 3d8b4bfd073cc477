// The infrared port of the terminal and the vending machine: an SC16IS750 in IrDA mode (with a
// TFDU4101 transceiver) on the board's I2C bus, and the command that finds a card over it
// (SELECT of the ActiveCard application, which every card answers).

import * as ds from "@devicescript/core"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME } from "../../src/link/card-commands"
import { fromHex } from "../../src/bytes"

export const SELECT = encodeCommand({ cla: CLA_ISO, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: fromHex(ACTIVECARD_AID), le: 0 })

/** The port, or null (logged with `who` first) when no bridge answers on the bus. */
export async function openInfraredPort(bus: I2cPort, who: string): Promise<Sc16is750Irda | null> {
    const ir = new Sc16is750Irda(bus, ds.sleep, 1500)
    try {
        await ir.begin()
        return ir
    } catch (e) {
        console.log(who + " no infrared port: " + (e as Error).message)
        return null
    }
}
