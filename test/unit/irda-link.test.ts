// The infrared link: two SC16IS750 bridges in IrDA SIR mode (register-level emulators) with the
// light between them, the terminal's Sc16is750Irda sending APDUs in IrDA frames and the card's
// answering. A payment crosses it; a card out of sight mid-payment is not approved; a noisy byte
// is caught by the FCS; a missing bridge is a clear error.

import { afterEach, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { ChipError } from "../../src/drivers/chip-error"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { IrLine, Sc16is750Emulator } from "../../sim/drivers/sc16is750-emulator"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { MemoryServerPorts } from "../shared/memory-server-ports"
import { MemoryUplink } from "../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "../shared/test-card"

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

async function world() {
    const terminalChip = new Sc16is750Emulator()
    const cardChip = new Sc16is750Emulator()
    const line = new IrLine(terminalChip, cardChip)
    const terminal = new Sc16is750Irda(terminalChip, sleep, 2000)
    const cardSide = new Sc16is750Irda(cardChip, sleep, 2000)
    await terminal.begin()
    await cardSide.begin()
    const card = new TestCard(nodeAkaPlatform, true, 250)
    let answered = 0
    let hideAfter = -1
    let running = true
    // The card's firmware loop on infrared: a frame in, its answer out.
    const loop = (async () => {
        while (running) {
            const apdu = await cardSide.receiveFrame(50)
            if (apdu === null) continue
            const answer = await card.applet.process(apdu)
            if (++answered === hideAfter) line.inSight = false
            await cardSide.sendFrame(answer)
        }
    })()
    cleanups.push(() => {
        running = false
        line.stop()
    })
    const ports = new MemoryServerPorts((n) => randomBytes(n))
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
    const pay = (tx: string) =>
        new TerminalRelay(new ApduCardPort(terminal, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n)).pay(
            { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") },
            TEST_PIN,
        )
    return { terminalChip, cardChip, line, terminal, cardSide, ports, pay, hideAfter: (n: number) => (hideAfter = answered + n), loop }
}

describe("infrared link over SC16IS750 bridges in IrDA SIR mode", () => {
    test("the bridge is set to 9600 bit/s, 8N1, IrDA mode through the enhanced registers", async () => {
        const w = await world()
        expect(w.terminalChip.dll).toBe(96)
        expect(w.terminalChip.lcr).toBe(0x03)
        expect(w.terminalChip.mcr & 0x40).toBe(0x40)
        expect(w.terminalChip.efr & 0x10).toBe(0x10)
    })

    test("a whole EAP-AKA' payment over infrared is approved", async () => {
        const w = await world()
        const outcome = await w.pay("0101010101010101")
        expect(outcome.approved, outcome.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
        expect(w.terminalChip.overruns + w.cardChip.overruns).toBe(0)
    }, 30_000)

    test("the card out of sight mid-payment: CARD REMOVED, nothing approved; back in sight, it pays once", async () => {
        const w = await world()
        w.hideAfter(4)
        const lost = await w.pay("0202020202020202")
        expect(lost.message).toBe("CARD REMOVED - NOT APPROVED")
        expect(w.ports.finalApprovals()).toBe(0)
        w.line.inSight = true
        const paid = await w.pay("0303030303030303")
        expect(paid.approved, paid.message).toBe(true)
        expect(w.ports.finalApprovals()).toBe(1)
    }, 30_000)

    test("a corrupted byte is caught by the FCS and the frame dropped", async () => {
        const w = await world()
        w.line.corruptIn = 12 // past the 10 extra BOFs and the BOF: a byte of the frame itself
        await w.terminal.sendFrame(Buffer.from("00a4040000", "hex"))
        await sleep(150)
        expect(w.cardSide.dropped).toBe(1)
    }, 10_000)

    test("without a bridge on the bus, begin() fails with a clear error", async () => {
        const absent = { write: async () => {}, read: async (_a: number, n: number) => Buffer.alloc(n), writeRead: async (_a: number, _w: Buffer, n: number) => Buffer.alloc(n) }
        await expect(new Sc16is750Irda(absent, sleep, 10).begin()).rejects.toThrow(ChipError)
    })
})
