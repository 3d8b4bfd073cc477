// IrDA SIR and PN532 framing against published values, written to run in Node and inside the
// DeviceScript VM (the drivers that use them run as bytecode on the boards).

import { BOF, CE, encodeSirFrame, EOF, fcs16, SirReceiver } from "../../src/link/irda-sir"
import { decodePn532Frame, encodePn532Frame, ERROR_FRAME, ACK_FRAME, NACK_FRAME, PN532_ACK, PN532_ERROR, PN532_INFO, PN532_NACK } from "../../src/link/pn532-frame"
import { concat, fromHex, fromUtf8, toHex } from "../../src/bytes"
import { I2cPort } from "../../src/drivers/i2c-port"
import { Pn532Reader } from "../../src/drivers/pn532-reader"
import { Pn532Target, TARGET_SERVING } from "../../src/drivers/pn532-target"
import { Sc16is750Irda } from "../../src/drivers/sc16is750-irda"
import { CryptoCase } from "./crypto-cases"

/** A scripted bus: its write and read, and a register read as the two in turn. */
function withWriteRead(bus: { write(address: number, data: Buffer): Promise<void>; read(address: number, length: number): Promise<Buffer> }): I2cPort {
    return {
        write: bus.write,
        read: bus.read,
        writeRead: async (address: number, data: Buffer, length: number) => {
            await bus.write(address, data)
            return await bus.read(address, length)
        },
    }
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

export function linkFramingCases(): CryptoCase[] {
    return [
        {
            name: "IrDA SIR: FCS check value (CRC-16/X.25 of 123456789 = 906E), escaping and round trip",
            run: async () => {
                ok(fcs16(fromUtf8("123456789")) === 0x906e, "FCS check value")
                const content = fromHex("00c0c17dff20a404")
                const got: Buffer[] = []
                const dropped: string[] = []
                const r = new SirReceiver({
                    frame: (c: Buffer) => {
                        got.push(c)
                    },
                    dropped: (why: string) => {
                        dropped.push(why)
                    },
                })
                const wire = encodeSirFrame(content, 2)
                ok(wire[2] === BOF && wire[wire.length - 1] === EOF, "delimiters")
                ok(wire[4] === CE && wire[5] === (BOF ^ 0x20), "BOF escaped")
                r.push(wire)
                const bad = encodeSirFrame(content, 0)
                bad[1] = bad[1] ^ 1
                r.push(bad)
                ok(got.length === 1 && toHex(got[0]) === toHex(content), "frame received")
                ok(dropped.length === 1 && dropped[0] === "bad FCS", "corrupted frame dropped: " + dropped.join(","))
            },
        },
        {
            name: "PN532: the User Manual's GetFirmwareVersion and SAMConfiguration frames, ACK, NACK, error frame",
            run: async () => {
                ok(toHex(encodePn532Frame(0xd4, fromHex("02"))) === "0000ff02fed4022a00", "GetFirmwareVersion")
                ok(toHex(encodePn532Frame(0xd4, fromHex("14011401"))) === "0000ff05fbd4140114010200", "SAMConfiguration")
                const answer = decodePn532Frame(fromHex("0000ff06fad50332010607e800"))
                ok(answer.kind === PN532_INFO && answer.tfi === 0xd5 && toHex(answer.data) === "0332010607", "firmware version answer")
                ok(decodePn532Frame(ACK_FRAME).kind === PN532_ACK, "ACK")
                ok(decodePn532Frame(NACK_FRAME).kind === PN532_NACK, "NACK")
                ok(decodePn532Frame(ERROR_FRAME).kind === PN532_ERROR, "error frame")
                const big = Buffer.alloc(264)
                for (let i = 0; i < big.length; i++) big[i] = i & 0xff
                const ext = decodePn532Frame(encodePn532Frame(0xd4, big))
                ok(ext.kind === PN532_INFO && toHex(ext.data) === toHex(big), "extended frame round trip")
            },
        },
        {
            name: "PN532 reader driver: GetFirmwareVersion over a scripted I2C bus with the manual's bytes (ready byte, ACK, answer)",
            run: async () => {
                const written: string[] = []
                const reads: Buffer[] = [fromHex("00"), fromHex("01"), concat([fromHex("01"), ACK_FRAME]), fromHex("01"), fromHex("010000ff06fad50332010607e800")]
                const bus: I2cPort = withWriteRead({
                    write: async (address: number, data: Buffer) => {
                        written.push(address + ":" + toHex(data))
                    },
                    read: async (address: number, length: number) => {
                        const next = reads.shift()
                        const out = Buffer.alloc(length)
                        if (next) out.set(next.length > length ? next.slice(0, length) : next, 0)
                        return out
                    },
                })
                const reader = new Pn532Reader(bus, async (ms: number) => {}, 20)
                const version = await reader.firmwareVersion()
                ok(written.length === 1 && written[0] === "36:0000ff02fed4022a00", "command frame written: " + written.join(" "))
                ok(toHex(version) === "32010607", "firmware version " + toHex(version))
            },
        },
        {
            name: "PN532 card emulation driver: one TgGetData / TgSetData round over a scripted I2C bus",
            run: async () => {
                const written: string[] = []
                const answerFrame = (tfiData: string) => concat([fromHex("01"), encodePn532Frame(0xd5, fromHex(tfiData))])
                const reads: Buffer[] = [
                    fromHex("01"),
                    concat([fromHex("01"), ACK_FRAME]),
                    fromHex("01"),
                    answerFrame("8d04e080"), // TgInitAsTarget: activated
                    fromHex("01"),
                    concat([fromHex("01"), ACK_FRAME]),
                    fromHex("01"),
                    answerFrame("870000a4040000"), // TgGetData: status 00, an APDU
                    fromHex("01"),
                    concat([fromHex("01"), ACK_FRAME]),
                    fromHex("01"),
                    answerFrame("8f00"), // TgSetData: status 00
                ]
                const bus: I2cPort = withWriteRead({
                    write: async (address: number, data: Buffer) => {
                        written.push(toHex(data))
                    },
                    read: async (address: number, length: number) => {
                        const next = reads.shift()
                        const out = Buffer.alloc(length)
                        if (next) out.set(next.length > length ? next.slice(0, length) : next, 0)
                        return out
                    },
                })
                const target = new Pn532Target(bus, async (ms: number) => {}, 20, fromHex("a1b2c3"))
                ok(await target.activate(), "activated")
                ok(target.state === TARGET_SERVING, "serving")
                const seen: string[] = []
                const served = await target.serveOne({
                    process: async (apdu: Buffer) => {
                        seen.push(toHex(apdu))
                        return fromHex("9000")
                    },
                })
                ok(served && seen.length === 1 && seen[0] === "00a4040000", "APDU handed to the card: " + seen.join(","))
                ok(written.length === 3 && written[2] === toHex(encodePn532Frame(0xd4, fromHex("8e9000"))), "answer sent with TgSetData: " + written.join(" "))
                ok(written[0].indexOf("d48c050400a1b2c320") >= 0, "TgInitAsTarget parameters: " + written[0])
            },
        },
        {
            name: "SC16IS750 IrDA driver: set-up registers, a frame sent and heard back on a loopback bridge, and an exchange that drops a late answer",
            run: async () => {
                // A bridge whose transmitter is seen by its own receiver: THR bytes come back in RHR.
                const regs: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
                const looped: number[] = []
                const setup: string[] = []
                let pointer = 0
                const bus: I2cPort = withWriteRead({
                    write: async (address: number, data: Buffer) => {
                        pointer = data[0] >> 3
                        for (let i = 1; i < data.length; i++) {
                            if (pointer === 0 && regs[3] === 0x03) looped.push(data[i])
                            else {
                                regs[pointer] = data[i]
                                setup.push(pointer + "=" + data[i])
                            }
                        }
                    },
                    read: async (address: number, length: number) => {
                        const out = Buffer.alloc(length)
                        for (let i = 0; i < length; i++) {
                            if (pointer === 8) out[i] = 64
                            else if (pointer === 9) out[i] = looped.length
                            else if (pointer === 0) out[i] = looped.length > 0 ? looped.shift() || 0 : 0
                            else out[i] = regs[pointer]
                        }
                        return out
                    },
                })
                const irda = new Sc16is750Irda(bus, async (ms: number) => {}, 50)
                await irda.begin()
                ok(setup.join(" ") === "3=128 0=96 1=0 3=191 2=16 3=3 2=7 4=4 6=76 4=64", "set-up sequence: " + setup.join(" "))
                await irda.sendFrame(fromHex("00a404000bf041435449564543415244"))
                const heard = await irda.receiveFrame(50)
                ok(heard !== null && toHex(heard) === "00a404000bf041435449564543415244", "frame heard back")
                // An exchange: a late answer to an earlier command (number 0) waits in the FIFO; the
                // command goes out numbered 1 and, looped back, is the answer numbered 1.
                const late = encodeSirFrame(fromHex("006f00"), 0)
                for (let i = 0; i < late.length; i++) looped.push(late[i])
                const answer = await irda.transceive(fromHex("00b0000001"))
                ok(toHex(answer) === "00b0000001", "the late answer dropped, the one numbered 1 taken: " + toHex(answer))
            },
        },
    ]
}
