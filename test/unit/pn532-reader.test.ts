// The PN532 reader driver (src/drivers/pn532-reader.ts) against a frame-level PN532 emulator:
// real frames with checksums both ways, the I2C ready byte, ACK/NACK, timeouts, a card that
// leaves the field mid-payment, and a whole payment through the reader.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { ChipError } from "../../src/drivers/chip-error"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { LinkLostError } from "../../src/link/apdu-link"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { Pn532Emulator } from "../../sim/drivers/pn532-emulator"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function setup() {
    const chip = new Pn532Emulator()
    const reader = new Pn532Reader(chip, sleep, 50)
    const card = new TestCard(nodeAkaPlatform, true, 250)
    const inField = { uid: Buffer.from("08a1b2c3", "hex"), ats: Buffer.from("0578807002", "hex"), process: (a: Buffer) => card.applet.process(a) }
    return { chip, reader, card, inField }
}

function payment(tx: string) {
    return { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") }
}

describe("PN532 reader driver against the PN532 emulator", () => {
    test("firmware version, SAM configuration, and a card detected with its UID and ATS", async () => {
        const { chip, reader, inField } = setup()
        expect([...(await reader.firmwareVersion())]).toEqual([0x32, 0x01, 0x06, 0x07])
        await reader.begin()
        expect(await reader.detect()).toBeNull() // nothing in the field yet
        chip.card = inField
        const t = await reader.detect()
        expect(t!.uid.toString("hex")).toBe("08a1b2c3")
        expect(t!.ats.toString("hex")).toBe("0578807002")
        expect(t!.selRes & 0x20).toBe(0x20) // ISO 14443-4 compliant
        expect(chip.commands).toEqual([0x02, 0x14, 0x32, 0x4a, 0x4a]) // version, SAM, RF retries, two searches
    })

    test("a whole EAP-AKA' payment through InDataExchange is approved", async () => {
        const { chip, reader, inField } = setup()
        chip.card = inField
        await reader.begin()
        await reader.detect()
        const ports = new MemoryServerPorts((n) => randomBytes(n))
        ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
        const outcome = await new TerminalRelay(new ApduCardPort(reader, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n)).pay(payment("0101010101010101"), TEST_PIN)
        expect(outcome.approved, outcome.message).toBe(true)
        expect(ports.finalApprovals()).toBe(1)
        expect(chip.commands.filter((c) => c === 0x40).length).toBeGreaterThan(4)
    })

    test("a damaged answer is asked for again with NACK; three in a row is an error", async () => {
        const { chip, reader } = setup()
        chip.corruptNext = 1
        expect([...(await reader.firmwareVersion())]).toEqual([0x32, 0x01, 0x06, 0x07])
        expect(reader.nacks).toBe(1)
        chip.corruptNext = 3
        await expect(reader.firmwareVersion()).rejects.toThrow(/damaged three times/)
    })

    test("a PN532 that never gets ready times out with a clear error; the link reports the card lost", async () => {
        const { chip, reader, inField } = setup()
        chip.card = inField
        await reader.detect()
        chip.hung = true
        await expect(reader.firmwareVersion()).rejects.toThrow(ChipError)
        await expect(reader.transceive(Buffer.from("00a4040000", "hex"))).rejects.toThrow(LinkLostError)
    })

    test("the card pulled away mid-payment: CARD REMOVED, nothing approved; detected again, it pays once", async () => {
        const { chip, reader, inField } = setup()
        chip.card = inField
        await reader.detect()
        const ports = new MemoryServerPorts((n) => randomBytes(n))
        ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
        let exchanges = 0
        const leaving = {
            ...inField,
            process: async (a: Buffer) => {
                if (++exchanges === 5) chip.card = null // gone after the identity round
                return inField.process(a)
            },
        }
        chip.card = leaving
        const relay = () => new TerminalRelay(new ApduCardPort(reader, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n))
        const lost = await relay().pay(payment("0202020202020202"), TEST_PIN)
        expect(lost.message).toBe("CARD REMOVED - NOT APPROVED")
        expect(ports.finalApprovals()).toBe(0)
        await expect(reader.transceive(Buffer.from("00a4040000", "hex"))).rejects.toThrow(LinkLostError) // until detected again
        chip.card = inField
        expect(await reader.detect()).not.toBeNull()
        const paid = await relay().pay(payment("0303030303030303"), TEST_PIN)
        expect(paid.approved, paid.message).toBe(true)
        expect(ports.finalApprovals()).toBe(1)
    })

    test("an unknown command gets the chip's error frame, reported as such", async () => {
        const { reader } = setup()
        await expect(reader.command(0x7e, Buffer.alloc(0))).rejects.toThrow(/syntax error/)
    })
})
