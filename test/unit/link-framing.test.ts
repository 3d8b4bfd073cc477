// Link framing for the hardware links: IrDA SIR frames (BOF/EOF, escaping,
// HDLC FCS) and PN532 host-link frames, against published values and with garbage input.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { linkFramingCases } from "../shared/link-framing-cases"
import { nodeHmacSha256 } from "../../sim/node-platform"
import { BOF, CE, encodeSirFrame, EOF, fcs16, SirReceiver } from "../../src/link/irda-sir"
import { ACK_FRAME, decodePn532Frame, encodePn532Frame, ERROR_FRAME, NACK_FRAME, PN532_ACK, PN532_ERROR, PN532_INFO, PN532_NACK, Pn532FrameError, TFI_HOST_TO_PN532 } from "../../src/link/pn532-frame"

function receiver() {
    const frames: Buffer[] = []
    const dropped: string[] = []
    const r = new SirReceiver({ frame: (c) => frames.push(c), dropped: (why) => dropped.push(why) })
    return { r, frames, dropped }
}

describe("link framing cases shared with the VM", () => {
    for (const c of linkFramingCases()) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})

describe("IrDA SIR framing", () => {
    test("FCS is CRC-16/X.25: check value of \"123456789\" is 0x906E (CRC catalogue)", () => {
        expect(fcs16(Buffer.from("123456789"))).toBe(0x906e)
    })

    test("a frame with every special byte round-trips, fed whole or byte by byte", () => {
        const content = Buffer.from([0x00, BOF, EOF, CE, 0xff, 0x20, 0x5d, 0xe1, 0x00, 0xa4, 0x04, 0x00])
        const wire = encodeSirFrame(content, 10)
        expect(wire.subarray(0, 10).every((b) => b === 0xff)).toBe(true)
        expect(wire[10]).toBe(BOF)
        expect(wire[wire.length - 1]).toBe(EOF)
        // No BOF/EOF inside the frame: they only delimit it.
        expect(wire.subarray(11, wire.length - 1).includes(BOF)).toBe(false)
        expect(wire.subarray(11, wire.length - 1).includes(EOF)).toBe(false)
        const whole = receiver()
        whole.r.push(wire)
        expect(whole.frames).toEqual([content])
        const bytewise = receiver()
        for (const b of wire) bytewise.r.push(Buffer.from([b]))
        expect(bytewise.frames).toEqual([content])
    })

    test("a corrupted byte, an abort, a frame cut by BOF and a runt are dropped with a reason", () => {
        const good = encodeSirFrame(Buffer.from("00a4040007", "hex"), 0)
        const bad = Buffer.from(good)
        bad[3] ^= 0x01
        const { r, frames, dropped } = receiver()
        r.push(bad)
        r.push(Buffer.from([BOF, 0x01, 0x02, CE, EOF])) // abort sequence
        r.push(Buffer.from([BOF, 0x01, 0x02])) // cut by the next frame's BOF
        r.push(good)
        r.push(Buffer.from([BOF, 0x01, EOF])) // too short for an FCS
        expect(frames).toEqual([Buffer.from("00a4040007", "hex")])
        expect(dropped).toEqual(["bad FCS", "aborted (CE EOF)", "frame cut by a new BOF", "frame too short"])
    })

    test("5,000 random streams never throw, and frames inside noise are still found", () => {
        for (let i = 0; i < 5000; i++) {
            const { r, frames } = receiver()
            const content = randomBytes(1 + (i % 60))
            const noise = randomBytes(i % 40).map((b) => (b === BOF ? 0x00 : b))
            r.push(Buffer.concat([randomBytes(i % 50), Buffer.from([EOF]), noise, encodeSirFrame(content, i % 3)]))
            expect(frames.at(-1)).toEqual(content)
        }
        expect(() => encodeSirFrame(Buffer.alloc(301), 0)).toThrow(RangeError)
    })
})

describe("PN532 frames", () => {
    // Frames printed in the PN532 User Manual (UM0701-02) and its application notes.
    test("GetFirmwareVersion and SAMConfiguration commands encode to the manual's bytes", () => {
        expect(encodePn532Frame(TFI_HOST_TO_PN532, Buffer.from([0x02])).toString("hex")).toBe("0000ff02fed4022a00")
        expect(encodePn532Frame(TFI_HOST_TO_PN532, Buffer.from([0x14, 0x01, 0x14, 0x01])).toString("hex")).toBe("0000ff05fbd414011401" + "0200")
    })

    test("a GetFirmwareVersion answer, ACK, NACK and the error frame decode", () => {
        const answer = decodePn532Frame(Buffer.from("0000ff06fad50332010607e800", "hex"))
        expect(answer).toEqual({ kind: PN532_INFO, tfi: 0xd5, data: Buffer.from("0332010607", "hex") })
        expect(decodePn532Frame(ACK_FRAME).kind).toBe(PN532_ACK)
        expect(decodePn532Frame(NACK_FRAME).kind).toBe(PN532_NACK)
        expect(decodePn532Frame(ERROR_FRAME).kind).toBe(PN532_ERROR)
        // An I2C read starts with the ready byte 01: the driver strips it; extra preamble 00s are fine.
        expect(decodePn532Frame(Buffer.from("000000ff06fad50332010607e800", "hex")).kind).toBe(PN532_INFO)
    })

    test("extended frames carry more than 254 data bytes", () => {
        const data = randomBytes(264)
        const wire = encodePn532Frame(0xd4, data)
        expect(wire.subarray(3, 5).toString("hex")).toBe("ffff")
        expect(decodePn532Frame(wire)).toEqual({ kind: PN532_INFO, tfi: 0xd4, data })
        expect(() => encodePn532Frame(0xd4, Buffer.alloc(265))).toThrow(Pn532FrameError)
    })

    test("checksum and truncation errors are named; 20,000 mutated frames raise only Pn532FrameError", () => {
        const good = encodePn532Frame(0xd5, Buffer.from("4b01010004080412345678", "hex"))
        const badLcs = Buffer.from(good)
        badLcs[4] ^= 1
        expect(() => decodePn532Frame(badLcs)).toThrow(/length checksum/)
        const badDcs = Buffer.from(good)
        badDcs[good.length - 2] ^= 1
        expect(() => decodePn532Frame(badDcs)).toThrow(/data checksum/)
        expect(() => decodePn532Frame(good.subarray(0, good.length - 3))).toThrow(/truncated/)
        expect(() => decodePn532Frame(Buffer.from("0102", "hex"))).toThrow(/start code/)
        for (let i = 0; i < 20000; i++) {
            const b = i % 2 === 0 ? Buffer.from(good) : randomBytes(i % 30)
            if (i % 2 === 0) for (let j = 0; j < 1 + (i % 3); j++) b[randomBytes(1)[0] % b.length] = randomBytes(1)[0]
            try {
                decodePn532Frame(b)
            } catch (e) {
                expect(e).toBeInstanceOf(Pn532FrameError)
            }
        }
    })
})
