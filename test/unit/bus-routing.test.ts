// The simulator's routing between boards: frames stay on their board, a VM is cut off until its
// runtime announced, and only the card VM crosses, to the terminal VM over the abstract field or
// to the issuer's station while it personalizes the card. Peripherals never cross.

import type { Socket } from "node:net"
import { describe, expect, test } from "vitest"
import { JD_SERVICE_INDEX_CONTROL, type JdFrame } from "../../sim/jacdac/frame"
import { BusWatcher, SRV_CARD_LINK } from "../../sim/simulator/remote-service"
import { BoardRouter, CARD_PERIPHERALS, CARD_VM, type CardPosition, ISSUER_STATION, TERMINAL_PERIPHERALS, TERMINAL_VM } from "../../sim/simulator/bus-routing"

/** An announce (control service, command 0) of a device offering `classes`. */
function announce(deviceId: string, classes: number[]): JdFrame {
    const payload = Buffer.alloc(4 + 4 * classes.length)
    classes.forEach((c, i) => payload.writeUInt32LE(c, 4 + 4 * i))
    return { flags: 0, deviceId, packets: [{ serviceIndex: JD_SERVICE_INDEX_CONTROL, command: 0, payload }] }
}

function setup(chipLinked: boolean) {
    const watcher = new BusWatcher()
    const state = { position: "none" as CardPosition }
    const router = new BoardRouter(watcher, () => state.position, chipLinked)
    const cardSock = {} as Socket
    const terminalSock = {} as Socket
    const seen = (f: JdFrame, sock: Socket | null) => {
        watcher.observe(f)
        router.learn(f, sock)
    }
    return { router, state, cardSock, terminalSock, seen }
}

const CARD_PROGRAM = "1111111111111111"
const TERMINAL_PROGRAM = "2222222222222222"

describe("BoardRouter", () => {
    test("a VM's program device is unknown, hence cut off, until the VM's runtime announced on that socket", () => {
        const { router, cardSock, seen } = setup(false)
        seen(announce(CARD_PROGRAM, [SRV_CARD_LINK]), cardSock)
        expect(router.boardOf(CARD_PROGRAM)).toBeNull()
        expect(router.route(CARD_PROGRAM, CARD_PERIPHERALS)).toBe(false)
        expect(router.cardLink()).toBeNull()
        seen(announce(CARD_VM, []), cardSock)
        expect(router.boardOf(CARD_PROGRAM)).toBe("card")
        expect(router.route(CARD_PROGRAM, CARD_PERIPHERALS)).toBe(true)
        expect(router.cardLink()).toEqual({ device: CARD_PROGRAM, serviceIndex: 1 })
    })

    test("across boards only where the card is held, and never a peripheral", () => {
        const { router, state, cardSock, terminalSock, seen } = setup(false)
        seen(announce(CARD_VM, []), cardSock)
        seen(announce(CARD_PROGRAM, [SRV_CARD_LINK]), cardSock)
        seen(announce(TERMINAL_VM, []), terminalSock)
        seen(announce(TERMINAL_PROGRAM, []), terminalSock)
        expect(router.route(TERMINAL_PROGRAM, CARD_PROGRAM)).toBe(false)
        state.position = "terminal"
        expect(router.route(TERMINAL_PROGRAM, CARD_PROGRAM)).toBe(true)
        expect(router.route(CARD_PROGRAM, TERMINAL_VM)).toBe(true)
        expect(router.route(TERMINAL_PERIPHERALS, CARD_PROGRAM)).toBe(false)
        expect(router.route(TERMINAL_PROGRAM, CARD_PERIPHERALS)).toBe(false)
        expect(router.route(ISSUER_STATION, CARD_PROGRAM)).toBe(false)
        state.position = "issuer"
        expect(router.route(ISSUER_STATION, CARD_PROGRAM)).toBe(true)
        expect(router.route(ISSUER_STATION, CARD_PERIPHERALS)).toBe(false)
        expect(router.route(TERMINAL_PROGRAM, CARD_PROGRAM)).toBe(false)
        state.position = "none"
        expect(router.route(ISSUER_STATION, CARD_PROGRAM)).toBe(false)
        expect(router.route(TERMINAL_VM, TERMINAL_PERIPHERALS)).toBe(true)
    })

    test("over emulated chips no frame crosses to the terminal: the APDUs go through the chips", () => {
        const { router, state, cardSock, terminalSock, seen } = setup(true)
        seen(announce(CARD_VM, []), cardSock)
        seen(announce(TERMINAL_VM, []), terminalSock)
        state.position = "terminal"
        expect(router.route(TERMINAL_VM, CARD_VM)).toBe(false)
        expect(router.route(CARD_VM, CARD_PERIPHERALS)).toBe(true)
    })
})
