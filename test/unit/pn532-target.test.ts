// Both ends of the NFC link on PN532s: the terminal's reader driver on one emulated chip, the
// card's card-emulation driver (src/drivers/pn532-target.ts) on another, and the RF field between
// them. A payment crosses it end to end; a card pulled away mid-payment is not approved, its
// driver goes back to waiting for a reader, and the next tap pays exactly once.

import { afterEach, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { Pn532Target, TARGET_INIT } from "../../src/drivers/pn532-target"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { Pn532Emulator } from "../../sim/drivers/pn532-emulator"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
let stopCard = () => {}

afterEach(() => stopCard())

function world() {
    const readerChip = new Pn532Emulator()
    const cardChip = new Pn532Emulator()
    const reader = new Pn532Reader(readerChip, sleep, 1000)
    const target = new Pn532Target(cardChip, sleep, 300, Buffer.from("a1b2c3", "hex"))
    const card = new TestCard(nodeAkaPlatform, true, 250)
    let exchanges = 0
    let pullAfter = -1
    const uid = Buffer.from("08a1b2c3", "hex")
    const app = {
        process: async (apdu: Buffer) => {
            const answer = await card.applet.process(apdu)
            if (++exchanges === pullAfter) pull()
            return answer
        },
    }
    // The card's firmware loop: wait for a reader, then serve APDUs until the field drops.
    let running = true
    const loop = (async () => {
        while (running) {
            if (target.state === TARGET_INIT) await target.activate()
            else await target.serveOne(app)
        }
    })()
    stopCard = () => {
        running = false
        cardChip.fieldDrops()
    }
    const tap = () => {
        readerChip.card = cardChip.asCard(uid)
        cardChip.fieldAppears()
    }
    const pull = () => {
        readerChip.card = null
        cardChip.fieldDrops()
    }
    const ports = new MemoryServerPorts((n) => randomBytes(n))
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
    const pay = async (tx: string) =>
        new TerminalRelay(new ApduCardPort(reader, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n)).pay(
            { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") },
            TEST_PIN,
        )
    return { reader, target, cardChip, tap, pull, pay, ports, loop, setPullAfter: (n: number) => (pullAfter = exchanges + n) }
}

describe("PN532 reader and PN532 card emulation across the RF field", () => {
    test("a payment from the terminal's reader to the card's emulated ISO-DEP card is approved", async () => {
        const w = world()
        w.tap()
        const found = await w.reader.detect()
        expect(found!.uid.toString("hex")).toBe("08a1b2c3")
        const outcome = await w.pay("0101010101010101")
        expect(outcome.approved, outcome.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
        expect(w.cardChip.commands.filter((c) => c === 0x8e).length).toBeGreaterThan(4) // TgSetData per answer
    }, 20_000)

    test("pulled away mid-payment: not approved, the card waits for a reader again, the next tap pays once", async () => {
        const w = world()
        w.tap()
        await w.reader.detect()
        w.setPullAfter(4) // gone after SELECT, OFFER, VERIFY and the identity round
        const lost = await w.pay("0202020202020202")
        expect(lost.message).toBe("CARD REMOVED - NOT APPROVED")
        expect(w.ports.finalApprovals()).toBe(0)
        await sleep(50)
        expect(w.target.reactivations).toBeGreaterThan(0)
        w.tap()
        expect(await w.reader.detect()).not.toBeNull()
        const paid = await w.pay("0303030303030303")
        expect(paid.approved, paid.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
    }, 20_000)

    test("no reader for a while: the wait times out and is aborted with an ACK, and its late answer never poisons the next command", async () => {
        const chip = new Pn532Emulator()
        const target = new Pn532Target(chip, sleep, 100, Buffer.from("a1b2c3", "hex"))
        await target.begin()
        expect(await target.activate()).toBe(false) // nobody came within 100 ms
        expect(chip.aborts).toBe(1)
        chip.fieldAppears() // the aborted TgInitAsTarget would answer now, if it were still pending
        await sleep(20)
        expect(await target.activate()).toBe(true) // this answer is the new command's own
        expect(chip.commands).toEqual([0x14, 0x8c, 0x8c])
    })
})
