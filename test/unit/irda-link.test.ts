// The infrared link: two SC16IS750 bridges in IrDA SIR mode (register-level emulators) with the
// light between them, the terminal's Sc16is750Irda sending APDUs in IrDA frames and the card's
// answering. A payment crosses it; a card out of sight mid-payment is not approved; a noisy byte
// is caught by the FCS; a missing bridge is a clear error; the bridge's bus failing mid-exchange
// loses the exchange as a card out of sight does, an answer that comes too late never passes for
// the next command's (each frame carries its exchange number), gaps inside a frame are not taken
// for silence, and an attacker in the light path can rewrite frames (for the replay flows).

import { afterEach, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { ChipError } from "../../src/drivers/chip-error"
import { LinkLostError } from "../../src/link/apdu-link"
import { encodeSirFrame } from "../../src/link/irda-sir"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { CardRadio } from "../../src/card/card-radio"
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

/** A terminal port that waits 200 ms for an answer and a card port, in sight of each other. */
async function bridges() {
    const terminalChip = new Sc16is750Emulator()
    const cardChip = new Sc16is750Emulator()
    const line = new IrLine(terminalChip, cardChip)
    cleanups.push(() => line.stop())
    const terminal = new Sc16is750Irda(terminalChip, sleep, 200)
    const cardSide = new Sc16is750Irda(cardChip, sleep, 2000)
    await terminal.begin()
    await cardSide.begin()
    return { terminal, cardSide }
}

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
    const received: Buffer[] = []
    // The card's firmware loop on infrared: a frame in, its answer out.
    const radio = new CardRadio(
        {
            process: async (apdu: Buffer) => {
                received.push(apdu)
                const answer = await card.applet.process(apdu)
                if (++answered === hideAfter) line.inSight = false
                return answer
            },
        },
        sleep,
    )
    const loop = radio.serveInfrared(cardSide)
    cleanups.push(() => {
        radio.running = false
        line.stop()
    })
    const ports = new MemoryServerPorts((n) => randomBytes(n))
    ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 1_000_000)
    const pay = (tx: string) =>
        new TerminalRelay(new ApduCardPort(terminal, 250), new MemoryUplink(ports, nodeAkaPlatform, EAP_TYPE_AKA_PRIME), (n) => randomBytes(n)).pay(
            { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(tx, "hex") },
            TEST_PIN,
        )
    return { terminalChip, cardChip, line, terminal, cardSide, ports, pay, hideAfter: (n: number) => (hideAfter = answered + n), loop, received }
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

    test("the bridge's I2C bus failing while the answer is awaited: LinkLostError naming the failure", async () => {
        const chip = new Sc16is750Emulator()
        let failing = false
        const bus = {
            write: (a: number, d: Buffer) => chip.write(a, d),
            read: (a: number, n: number) => chip.read(a, n),
            writeRead: async (a: number, w: Buffer, n: number) => {
                if (failing) throw new Error("I2C transaction with 0x4d timed out")
                return await chip.writeRead(a, w, n)
            },
        }
        const flaky = new Sc16is750Irda(bus, sleep, 200)
        await flaky.begin()
        failing = true
        await expect(flaky.transceive(Buffer.from("00a4040000", "hex"))).rejects.toThrow(LinkLostError)
        await expect(flaky.transceive(Buffer.from("00a4040000", "hex"))).rejects.toThrow(/^infrared: I2C transaction with 0x4d timed out$/)
    })

    test("an answer that comes after the wait is not taken for the next command's: frames carry the exchange number", async () => {
        const { terminal, cardSide } = await bridges()
        // A busy card: the first command waits until the terminal gave up on it and sent the
        // second, then both are answered in order, each with its command's number.
        const card = (async () => {
            const first = await cardSide.receiveFrame(2000)
            const second = await cardSide.receiveFrame(2000)
            expect(first?.toString("hex")).toBe("0100b0000001")
            expect(second?.toString("hex")).toBe("0200b0000002")
            await cardSide.sendFrame(Buffer.from("01aaaa9000", "hex"))
            await cardSide.sendFrame(Buffer.from("02bbbb9000", "hex"))
        })()
        await expect(terminal.transceive(Buffer.from("00b0000001", "hex"))).rejects.toThrow(LinkLostError)
        expect((await terminal.transceive(Buffer.from("00b0000002", "hex"))).toString("hex")).toBe("bbbb9000")
        await card
    })

    test("the card's loop answers each command with its exchange number; an empty frame gets no answer", async () => {
        const { terminal, cardSide } = await bridges()
        const radio = new CardRadio({ process: async (apdu: Buffer) => Buffer.concat([apdu.subarray(1, 2), Buffer.from("9000", "hex")]) }, sleep)
        const loop = radio.serveInfrared(cardSide)
        try {
            await terminal.sendFrame(Buffer.alloc(0))
            expect(await terminal.receiveFrame(200)).toBeNull()
            await terminal.sendFrame(Buffer.from("2a00b0", "hex"))
            expect((await terminal.receiveFrame(1000))?.toString("hex")).toBe("2ab09000")
        } finally {
            radio.running = false
            await loop
        }
    })

    test("gaps inside a frame (a sender feeding its FIFO late) are not silence: the frame arrives", async () => {
        const { terminal, cardSide } = await bridges()
        const content = Buffer.alloc(90, 0x42)
        const frame = encodeSirFrame(content, 10)
        // Three parts, 150 ms apart: 300 ms without a byte in all, never 200 ms at once.
        const sender = (async () => {
            for (let i = 0; i < 3; i++) {
                await cardSide.write(frame.subarray(i * 40, i === 2 ? frame.length : (i + 1) * 40))
                if (i < 2) await sleep(150)
            }
        })()
        expect((await terminal.receiveFrame(200))?.equals(content)).toBe(true)
        await sender
        // Silence alone still ends the wait.
        expect(await terminal.receiveFrame(200)).toBeNull()
    })

    test("an attacker in the light path rewrites whole frames on their way to the card", async () => {
        const w = await world()
        const seen: string[] = []
        w.line.rewriteToB = (frame) => {
            seen.push(frame.toString("hex"))
            return Buffer.from("0700b0000009", "hex")
        }
        await w.terminal.sendFrame(Buffer.from("0100b0000001", "hex"))
        await sleep(200)
        w.line.rewriteToB = null
        expect(seen).toEqual(["0100b0000001"])
        expect(w.received.map((b) => b.toString("hex"))).toContain("00b0000009")
    }, 10_000)

    test("without a bridge on the bus, begin() fails with a clear error", async () => {
        const absent = { write: async () => {}, read: async (_a: number, n: number) => Buffer.alloc(n), writeRead: async (_a: number, _w: Buffer, n: number) => Buffer.alloc(n) }
        await expect(new Sc16is750Irda(absent, sleep, 10).begin()).rejects.toThrow(ChipError)
    })
})
