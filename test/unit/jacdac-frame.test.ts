// Jacdac frames (sim/jacdac/frame.ts) against frames captured from the DeviceScript VM on the
// simulator's bus, random and mutated input, and the in-process side of the bus that uses them:
// a SimDevice with the simulated peripherals, and the hub's routing between in-process devices.
// A new fuzz seed each run; SEED=n repeats one.

import { describe, expect, test } from "vitest"
import {
    decodeJdFrame,
    encodeJdFrame,
    jdCrc16,
    JD_FRAME_FLAG_ACK_REQUESTED,
    JD_FRAME_FLAG_COMMAND,
    JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS,
    JD_FRAME_FLAG_LOOPBACK,
    JdFrame,
} from "../../sim/jacdac/frame"
import { SimDevice } from "../../sim/jacdac/sim-device"
import { CMD_GET_REG, CMD_SET_REG, SimButton, SimCharacterScreen, SimLed, SimMatrixKeypad, SRV_CHARACTER_SCREEN } from "../../sim/jacdac/peripherals"
import { JacdacHub } from "../../sim/vm/jacdac-hub"
import { xorshift } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)

// Captured from `devs run --tcp --device-id 0123456789abcdef` (DeviceScript 2.16.4): its first
// frame (five role manager events and the announce, flags 0) and a later announce. The VM sets
// LOOPBACK (0x40) on every frame after the first; the crc covers it.
const VM_FIRST_FRAME =
    "2d6744000123456789abcdef040204810400000004020482040000000402048303000000000203841c000000010f0100" +
    "667e4b1e2bea3411405b5b154adc0711fcee62149c6e60140402048500000000"
const VM_ANNOUNCE = "47eb20400123456789abcdef1c000000020f0800667e4b1e2bea3411405b5b154adc0711fcee62149c6e6014"
const VM_EMPTY_EVENT = "0d3104400123456789abcdef00010386"

const DEVICE = "5e5e5e5e00000001"

function command(deviceId: string, serviceIndex: number, cmd: number, payload: Buffer = Buffer.alloc(0), flags = JD_FRAME_FLAG_COMMAND): Buffer {
    return encodeJdFrame({ flags, deviceId, packets: [{ serviceIndex, command: cmd, payload }] })
}

describe("Jacdac frame codec", () => {
    test("decodes frames captured from the VM: device id in byte order, packets, crc", () => {
        const f = decodeJdFrame(Buffer.from(VM_FIRST_FRAME, "hex"))!
        expect(f.deviceId).toBe("0123456789abcdef")
        expect(f.flags).toBe(0)
        expect(f.packets.map((p) => [p.serviceIndex, p.command])).toEqual([
            [2, 0x8104],
            [2, 0x8204],
            [2, 0x8304],
            [2, 0x8403],
            [0, 0x0000],
            [2, 0x8504],
        ])
        const announce = f.packets[4].payload
        expect(announce.readUInt16LE(0) & 0x0f).toBe(1) // restart counter
        expect(announce.readUInt16LE(0) & 0x100).toBe(0x100) // supports ACK
        expect(announce.length).toBe(4 + 4 * 6) // six services
        const a = decodeJdFrame(Buffer.from(VM_ANNOUNCE, "hex"))!
        expect(a.flags).toBe(JD_FRAME_FLAG_LOOPBACK)
        expect(a.packets).toHaveLength(1)
        const e = decodeJdFrame(Buffer.from(VM_EMPTY_EVENT, "hex"))!
        expect(e.packets).toEqual([{ serviceIndex: 1, command: 0x8603, payload: Buffer.alloc(0) }])
    })

    test("re-encodes the VM's frames to the same bytes (every packet padded to 4 bytes, as jacdac-c does)", () => {
        for (const hex of [VM_FIRST_FRAME, VM_ANNOUNCE, VM_EMPTY_EVENT]) {
            const b = Buffer.from(hex, "hex")
            expect(encodeJdFrame(decodeJdFrame(b)!).toString("hex")).toBe(hex)
            expect(jdCrc16(b.subarray(2))).toBe(b.readUInt16LE(0))
        }
    })

    test("round trip of random frames", () => {
        const rng = xorshift(seed)
        for (let i = 0; i < 500; i++) {
            const packets = []
            let room = 236
            while (room >= 4 && rng.int(3) > 0) {
                const len = rng.int(Math.min(room - 4, 60))
                packets.push({ serviceIndex: rng.int(63), command: rng.int(0xffff), payload: rng.bytes(len) })
                room -= (4 + len + 3) & ~3
            }
            if (packets.length === 0) packets.push({ serviceIndex: 1, command: 0x1101, payload: Buffer.alloc(0) })
            const f: JdFrame = { flags: rng.int(255), deviceId: rng.bytes(8).toString("hex"), packets }
            const b = encodeJdFrame(f)
            expect(b.length % 4, `seed ${seed}`).toBe(0)
            expect(decodeJdFrame(b), `seed ${seed}`).toEqual(f)
        }
    })

    test("refuses what does not fit one frame or has a bad device id", () => {
        const big = { serviceIndex: 1, command: 2, payload: Buffer.alloc(233) }
        expect(() => encodeJdFrame({ flags: 0, deviceId: DEVICE, packets: [big] })).toThrow()
        expect(() => encodeJdFrame({ flags: 0, deviceId: "1234", packets: [] })).toThrow()
        expect(() => encodeJdFrame({ flags: 0, deviceId: "zz5e5e5e00000001", packets: [] })).toThrow()
    })

    test("any changed byte, a truncation or a bad size gives null", () => {
        const b = Buffer.from(VM_FIRST_FRAME, "hex")
        for (let i = 0; i < b.length; i++) {
            const m = Buffer.from(b)
            m[i] ^= 1 << (i % 8)
            expect(decodeJdFrame(m), `byte ${i}`).toBeNull()
        }
        for (let n = 0; n < b.length; n++) expect(decodeJdFrame(b.subarray(0, n)), `length ${n}`).toBeNull()
        // A size below one packet header, and a packet running past the frame's data (crc fixed up).
        for (const hex of ["0000020000000000000000000000", "0000080000000000000000000a01000000000000"]) {
            const m = Buffer.from(hex, "hex")
            m.writeUInt16LE(jdCrc16(m.subarray(2, 12 + m[2])), 0)
            expect(decodeJdFrame(m)).toBeNull()
        }
    })

    test("fuzz: random and mutated bytes never throw; whatever decodes has packets inside the frame", () => {
        const rng = xorshift(seed)
        const valid = [VM_FIRST_FRAME, VM_ANNOUNCE, VM_EMPTY_EVENT].map((h) => Buffer.from(h, "hex"))
        for (let i = 0; i < 20_000; i++) {
            let b: Buffer
            if (i % 2 === 0) b = rng.bytes(rng.int(260))
            else {
                b = Buffer.from(rng.pick(valid))
                for (let k = rng.int(4); k >= 0; k--) b[rng.int(b.length - 1)] = rng.int(255)
            }
            // Half the time with a correct crc, so the packet walk is reached too.
            if (b.length >= 12 && rng.int(1)) b.writeUInt16LE(jdCrc16(b.subarray(2, Math.min(b.length, 12 + b[2]))), 0)
            let f: JdFrame | null = null
            expect(() => (f = decodeJdFrame(b)), `seed ${seed}`).not.toThrow()
            if (f) {
                const size = (f as JdFrame).packets.reduce((n, p) => n + ((4 + p.payload.length + 3) & ~3), 0)
                expect(size - 3, `seed ${seed}`).toBeLessThanOrEqual(b[2])
            }
        }
    })
})

describe("SimDevice with the simulated peripherals", () => {
    function device() {
        const screen = new SimCharacterScreen(2, 16)
        const keypad = new SimMatrixKeypad(4, 3, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"])
        const button = new SimButton()
        const led = new SimLed()
        const dev = new SimDevice(DEVICE, [screen, keypad, button, led])
        const sent: JdFrame[] = []
        dev.onSend = (b) => sent.push(decodeJdFrame(b)!)
        return { dev, sent, screen, keypad, button, led }
    }

    test("announces its service classes with a restart counter that climbs to 15 and stays", () => {
        const { dev, sent } = device()
        for (let i = 0; i < 20; i++) dev.receive(command(DEVICE, 0, 0x0000))
        const counters = sent.map((f) => f.packets[0].payload.readUInt16LE(0) & 0x0f)
        expect(counters.slice(0, 16)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15])
        const p = sent[0].packets[0]
        expect([p.serviceIndex, p.command]).toEqual([0, 0])
        expect([4, 8, 12, 16].map((o) => p.payload.readUInt32LE(o))).toEqual([523748714, 319172040, 343122531, 369743088])
        expect(sent[0].flags & JD_FRAME_FLAG_COMMAND).toBe(0)
        expect(sent[0].deviceId).toBe(DEVICE)
    })

    test("answers register gets, takes register sets, ACKs when asked, ignores frames for others", () => {
        const { dev, sent, screen, led } = device()
        const seen: string[] = []
        screen.onChange = (t) => seen.push(t)
        led.onChange = (c) => seen.push(c)
        const set = command(DEVICE, 1, CMD_SET_REG | 0x02, Buffer.from("PAY 12500"), JD_FRAME_FLAG_COMMAND | JD_FRAME_FLAG_ACK_REQUESTED)
        dev.receive(set)
        expect(screen.text).toBe("PAY 12500")
        expect(sent).toHaveLength(1)
        expect(sent[0].packets[0]).toEqual({ serviceIndex: 0x3f, command: set.readUInt16LE(0), payload: Buffer.alloc(0) })
        dev.receive(command(DEVICE, 4, CMD_SET_REG | 0x02, Buffer.from([0x12, 0xab, 0x05])))
        expect(led.color).toBe("#12ab05")
        expect(seen).toEqual(["PAY 12500", "#12ab05"])
        dev.receive(command(DEVICE, 2, CMD_GET_REG | 0x182))
        expect(sent[1].packets[0]).toEqual({ serviceIndex: 2, command: 0x1182, payload: Buffer.from("1\u00002\u00003\u00004\u00005\u00006\u00007\u00008\u00009\u0000*\u00000\u0000#\u0000") })
        dev.receive(command(DEVICE, 1, CMD_GET_REG | 0x181))
        expect(sent[2].packets[0].payload).toEqual(Buffer.from([16]))
        // Another device's command, a report, and a service index past the last are all ignored.
        dev.receive(command("5e5e5e5e00000002", 1, CMD_SET_REG | 0x02, Buffer.from("NO")))
        dev.receive(command(DEVICE, 1, CMD_SET_REG | 0x02, Buffer.from("NO"), 0))
        dev.receive(command(DEVICE, 9, CMD_GET_REG | 0x180))
        expect(screen.text).toBe("PAY 12500")
        expect(sent).toHaveLength(3)
    })

    test("a multicast command reaches every service of its class", () => {
        const { dev, screen } = device()
        const id = Buffer.alloc(8)
        id.writeUInt32LE(SRV_CHARACTER_SCREEN, 0)
        id.writeUInt32LE(0xaaaaaaaa, 4)
        dev.receive(command(id.toString("hex"), 0x3d, CMD_SET_REG | 0x02, Buffer.from("ALL"), JD_FRAME_FLAG_COMMAND | JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS))
        expect(screen.text).toBe("ALL")
    })

    test("key and button presses are events with one counter for the whole device", () => {
        const { dev, sent, keypad, button } = device()
        keypad.press("#")
        button.press(1200)
        const events = sent.map((f) => f.packets[0]).map((p) => [p.serviceIndex, p.command & 0x80ff, (p.command >> 8) & 0x7f, p.payload.toString("hex")])
        expect(events).toEqual([
            [2, 0x8001, 1, "0b"],
            [2, 0x8002, 2, "0b"],
            [2, 0x8080, 3, "0b"],
            [3, 0x8001, 4, ""],
            [3, 0x8081, 5, "f4010000"],
            [3, 0x8081, 6, "e8030000"],
            [3, 0x8002, 7, "b0040000"],
        ])
        expect(() => keypad.press("A")).toThrow()
        dev.receive(command(DEVICE, 3, CMD_GET_REG | 0x101))
        expect(sent.at(-1)!.packets[0].payload).toEqual(Buffer.from([0, 0]))
    })

    test("fuzz: garbage and mutated commands never throw", () => {
        const { dev, keypad, button } = device()
        const rng = xorshift(seed)
        for (let i = 0; i < 5000; i++) {
            const payload = rng.bytes(rng.int(40))
            const flags = rng.int(255)
            const f = i % 3 === 0 ? rng.bytes(rng.int(80)) : command(rng.int(3) ? DEVICE : rng.bytes(8).toString("hex"), rng.int(63), rng.int(0xffff), payload, flags)
            expect(() => dev.receive(f), `seed ${seed}`).not.toThrow()
            if (i % 500 === 0) {
                keypad.press("5")
                button.press()
            }
        }
    })
})

describe("JacdacHub routing between in-process devices", () => {
    test("the route is consulted for each sender and receiver; frames keep their order", () => {
        const hub = new JacdacHub()
        const a = new SimDevice("000000000000000a", [new SimCharacterScreen()])
        const bScreen = new SimCharacterScreen()
        const b = new SimDevice("000000000000000b", [bScreen])
        const cScreen = new SimCharacterScreen()
        const c = new SimDevice("000000000000000c", [cScreen])
        const asked: string[] = []
        hub.route = (from, to) => {
            asked.push(`${from}>${to}`)
            return !(from === "000000000000000a" && to === "000000000000000c")
        }
        const order: string[] = []
        hub.onFrame = (frame, from, fromId) => {
            expect(from).toBeNull()
            order.push(fromId + " " + decodeJdFrame(frame)!.packets[0].command.toString(16))
        }
        for (const d of [a, b, c]) hub.attach(d)
        // a, as if it were a VM, sets the screens of b and c with an ACK requested.
        const setB = command("000000000000000b", 1, CMD_SET_REG | 0x02, Buffer.from("B"), JD_FRAME_FLAG_COMMAND | JD_FRAME_FLAG_ACK_REQUESTED)
        a.onSend(setB)
        a.onSend(command("000000000000000c", 1, CMD_SET_REG | 0x02, Buffer.from("C")))
        expect(bScreen.text).toBe("B")
        expect(cScreen.text).toBe("") // the route refused a > c
        expect(asked).toEqual([
            "000000000000000a>000000000000000b",
            "000000000000000a>000000000000000c",
            // b's ACK, sent while the set was being delivered, goes out after it.
            "000000000000000b>000000000000000a",
            "000000000000000b>000000000000000c",
            "000000000000000a>000000000000000b",
            "000000000000000a>000000000000000c",
        ])
        expect(order).toEqual(["000000000000000a 2002", "000000000000000b " + setB.readUInt16LE(0).toString(16), "000000000000000a 2002"])
        hub.detach(b)
        a.onSend(command("000000000000000b", 1, CMD_SET_REG | 0x02, Buffer.from("gone")))
        expect(bScreen.text).toBe("B")
    })
})
