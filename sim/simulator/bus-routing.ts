// The simulator's Jacdac bus carries two or three boards (the vending machine's with the
// `vending` option) and the issuer's station, but a Jacdac bus has no
// notion of a board: every device hears every frame, and a role binds to the first service of its
// class it sees. The routing gives each bus member a board and lets frames cross between boards
// only where the card is held: across the abstract Card Link field to the terminal, or to the
// issuer's station while it personalizes the card. A VM's peripherals never cross. The vending
// machine reaches the card only over its emulated infrared port: nothing of its board crosses.

import type { Socket } from "node:net"
import { JD_FRAME_FLAG_COMMAND, type JdFrame } from "../jacdac/frame"
import { SRV_CARD_LINK, type BusWatcher } from "./remote-service"

/** The bus members the simulator creates: each board's VM and peripherals, and the issuer's station. */
export const CARD_VM = "ac00000000000c01"
export const CARD_PERIPHERALS = "ac00000000000c0f"
export const TERMINAL_VM = "ac00000000000701"
export const TERMINAL_PERIPHERALS = "ac0000000000070f"
export const ISSUER_STATION = "ac00000000000101"
export const VENDING_VM = "ac00000000000e01"
export const VENDING_PERIPHERALS = "ac00000000000e0f"

export type Board = "card" | "terminal" | "vending" | "issuer"

/** Where the card is held: nowhere ("none"), to the terminal, in sight of the vending machine, or at the issuer's station. */
export type CardPosition = "none" | "terminal" | "vending" | "issuer"

const PERIPHERAL_BOARDS = new Map<string, Board>([
    [CARD_PERIPHERALS, "card"],
    [TERMINAL_PERIPHERALS, "terminal"],
    [VENDING_PERIPHERALS, "vending"],
    [ISSUER_STATION, "issuer"],
])
const VM_BOARDS = new Map<string, Board>([
    [CARD_VM, "card"],
    [TERMINAL_VM, "terminal"],
    [VENDING_VM, "vending"],
])

export interface CardLinkService {
    device: string
    serviceIndex: number
}

export class BoardRouter {
    private readonly socketOfDevice = new Map<string, Socket>()
    private readonly boardOfSocket = new Map<Socket, Board>()

    /**
     * `position` says where the card is held at each frame; `chipLinked` is true when the boards
     * talk through emulated chips (NFC, infrared), where no frame ever crosses to the terminal.
     */
    constructor(
        private readonly watcher: BusWatcher,
        private readonly position: () => CardPosition,
        private readonly chipLinked: boolean,
    ) {}

    /**
     * Learns from a frame which socket its device speaks through. A VM is more than one Jacdac
     * device (its runtime under the id we gave it, plus a device for the services its program
     * hosts, such as the Card Link): the runtime's announce names the socket's board, and every
     * device seen on that socket is on that board.
     */
    learn(f: JdFrame, sock: Socket | null): void {
        if (sock === null || f.flags & JD_FRAME_FLAG_COMMAND) return
        this.socketOfDevice.set(f.deviceId, sock)
        const board = VM_BOARDS.get(f.deviceId)
        if (board !== undefined) this.boardOfSocket.set(sock, board)
    }

    /** The board of a bus member, or null while it is not known. */
    boardOf(id: string | null): Board | null {
        if (id === null) return null
        const peripheral = PERIPHERAL_BOARDS.get(id)
        if (peripheral !== undefined) return peripheral
        const sock = this.socketOfDevice.get(id)
        return (sock && this.boardOfSocket.get(sock)) ?? VM_BOARDS.get(id) ?? null
    }

    /** The board of a VM's socket, or null before its runtime announced. */
    boardOfVm(sock: Socket | null): Board | null {
        return sock ? (this.boardOfSocket.get(sock) ?? null) : null
    }

    /** Same board: always. Across boards: only the card VM with the terminal or station it is held to. */
    route(from: string | null, to: string | null): boolean {
        const a = this.boardOf(from)
        const b = this.boardOf(to)
        // A VM's first frame is its runtime's announce, which names its board: until then it is cut
        // off, so no role of one board can ever bind to a service of the other.
        if (a === null || b === null) return false
        if (a === b) return true
        const pair = a < b ? a + "+" + b : b + "+" + a
        const peripheral = (id: string | null) => id === TERMINAL_PERIPHERALS || id === CARD_PERIPHERALS
        const where = this.position()
        if (where === "terminal") return !this.chipLinked && pair === "card+terminal" && !peripheral(from) && !peripheral(to)
        if (where === "issuer") return pair === "card+issuer" && from !== CARD_PERIPHERALS && to !== CARD_PERIPHERALS
        return false
    }

    /** The card VM's Card Link service: the device hosting it and its index there, or null until it announced. */
    cardLink(): CardLinkService | null {
        for (const [device, sock] of this.socketOfDevice) {
            if (this.boardOfSocket.get(sock) !== "card") continue
            const serviceIndex = this.watcher.serviceIndex(device, SRV_CARD_LINK)
            if (serviceIndex > 0) return { device, serviceIndex }
        }
        return null
    }
}
