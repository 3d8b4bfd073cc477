// The board-side link logic, portable: the terminal's FieldReader (NFC first, then infrared,
// whichever the card answers on) and the card's CardRadio (both links served, one APDU at a
// time, chip errors survived), over the PN532 and SC16IS750 drivers and their chip emulators.

import { afterEach, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { Pn532Target } from "../../src/drivers/pn532-target"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { FieldReader, LINK_INFRARED, LINK_NFC, LINK_NONE } from "../../src/terminal/field-reader"
import { CardRadio } from "../../src/card/card-radio"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME } from "../../src/link/card-commands"
import { fromHex } from "../../src/bytes"
import { Pn532Emulator } from "../../sim/drivers/pn532-emulator"
import { IrLine, Sc16is750Emulator } from "../../sim/drivers/sc16is750-emulator"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const SELECT = encodeCommand({ cla: CLA_ISO, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: fromHex(ACTIVECARD_AID), le: 0 })
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

/** Both boards' link chips, the card's firmware loops running on its side. */
async function world(bus: { failCardIrReads?: number } = {}) {
    const readerChip = new Pn532Emulator()
    const cardNfcChip = new Pn532Emulator()
    const terminalIrChip = new Sc16is750Emulator()
    const cardIrChip = new Sc16is750Emulator()
    const line = new IrLine(terminalIrChip, cardIrChip)
    line.inSight = false
    // A card bus that fails some reads (a glitch on the wires): the radio must survive it.
    let failures = bus.failCardIrReads ?? 0
    const flakyCardIr = {
        write: (a: number, d: Buffer) => cardIrChip.write(a, d),
        read: (a: number, n: number) => cardIrChip.read(a, n),
        writeRead: async (a: number, d: Buffer, n: number) => {
            if (failures > 0 && d[0] === 0x09 << 3) {
                failures--
                throw new Error("I2C NACK")
            }
            return cardIrChip.writeRead(a, d, n)
        },
    }
    const card = new TestCard(nodeAkaPlatform, true, 250)
    const radio = new CardRadio(card.applet, sleep)
    const target = new Pn532Target(cardNfcChip, sleep, 300, fromHex("a1b2c3"))
    await target.begin()
    const cardIr = new Sc16is750Irda(flakyCardIr, sleep, 2000)
    await cardIr.begin()
    void radio.serveNfc(target)
    void radio.serveInfrared(cardIr)
    const nfc = new Pn532Reader(readerChip, sleep, 1000)
    await nfc.begin()
    const ir = new Sc16is750Irda(terminalIrChip, sleep, 2000)
    await ir.begin()
    const reader = new FieldReader(nfc, ir, SELECT, 200, sleep, () => Date.now())
    cleanups.push(() => {
        radio.running = false
        line.stop()
        cardNfcChip.fieldDrops()
    })
    const uid = fromHex("08a1b2c3")
    const ports = new MemoryServerPorts((n) => randomBytes(n))
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
    const pay = (tx: string) =>
        new TerminalRelay(reader.card(), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n)).pay(
            { amount: 4200, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") },
            TEST_PIN,
        )
    return {
        reader,
        radio,
        ports,
        pay,
        tapNfc: () => {
            readerChip.card = cardNfcChip.asCard(uid)
            cardNfcChip.fieldAppears()
        },
        holdInSight: () => (line.inSight = true),
    }
}

describe("the terminal's field reader and the card's radios", () => {
    test("no card anywhere: waitForCard gives up after its timeout", async () => {
        const w = await world()
        const start = Date.now()
        expect(await w.reader.waitForCard(300)).toBe(false)
        expect(Date.now() - start).toBeGreaterThanOrEqual(300)
        expect(w.reader.linkInUse).toBe(LINK_NONE)
    }, 20_000)

    test("a card on the NFC reader is found over NFC and pays", async () => {
        const w = await world()
        w.tapNfc()
        expect(await w.reader.waitForCard(3000)).toBe(true)
        expect(w.reader.linkInUse).toBe(LINK_NFC)
        const outcome = await w.pay("0101010101010101")
        expect(outcome.approved, outcome.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
    }, 30_000)

    test("a card in sight of the infrared port is found over infrared and pays, through a glitch on the card's bus", async () => {
        const w = await world({ failCardIrReads: 2 })
        w.holdInSight()
        expect(await w.reader.waitForCard(5000)).toBe(true)
        expect(w.reader.linkInUse).toBe(LINK_INFRARED)
        const outcome = await w.pay("0202020202020202")
        expect(outcome.approved, outcome.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
        expect(w.radio.infraredErrors).toBe(2) // counted, the chip set up again, the loop went on
    }, 30_000)
})
