// The Jacdac bus that `devs run --tcp` VMs join: a TCP server on 127.0.0.1:8082 (or the port in
// ACTIVECARD_BUS_PORT, see sim/vm/bus-port.ts) that forwards every frame from one member to the others. Framing (from the VM's TCP transport): one length
// byte then the frame, or 0xff, a 16-bit little-endian length, then the frame.
// Members are VM sockets and in-process SimDevices (the boards' simulated peripherals). An
// optional routing policy decides, per sender and receiver, whether a frame gets through: the
// simulator uses it to keep two boards apart except while the card is in the terminal's RF field.

import { createServer, Server, Socket } from "node:net"
import { decodeJdFrame, JD_FRAME_FLAG_COMMAND } from "../jacdac/frame"
import { SimDevice } from "../jacdac/sim-device"
import { busPort } from "./bus-port"

/** This process's bus port: 8082, where `devs run --tcp` looks, unless ACTIVECARD_BUS_PORT moves it. */
export const HUB_PORT = busPort()

export class PortInUseError extends Error {
    constructor(port: number) {
        super(`port ${port} is in use: another simulator or VM test is running`)
        this.name = "PortInUseError"
    }
}

export function encodeFrame(frame: Buffer): Buffer {
    if (frame.length < 255) return Buffer.concat([Buffer.from([frame.length]), frame])
    return Buffer.concat([Buffer.from([255, frame.length & 0xff, frame.length >> 8]), frame])
}

/** Splits a byte stream into frames; returns the frames and the unconsumed tail. */
export function splitFrames(buf: Buffer): { frames: Buffer[]; rest: Buffer } {
    const frames: Buffer[] = []
    let o = 0
    for (;;) {
        if (o >= buf.length) break
        let len = buf[o]
        let head = 1
        if (len === 255) {
            if (o + 3 > buf.length) break
            len = buf[o + 1] | (buf[o + 2] << 8)
            head = 3
        }
        if (o + head + len > buf.length) break
        frames.push(buf.subarray(o + head, o + head + len))
        o += head + len
    }
    return { frames, rest: buf.subarray(o) }
}

/**
 * Whether a frame from one bus member reaches another. Ids are 16 hex digits; null for a socket
 * whose id is not learned yet (or a frame injected with broadcast(frame, null)).
 */
export type RoutePolicy = (fromDeviceId: string | null, toDeviceId: string | null) => boolean

/** One frame waiting to be delivered, with where it came from (null: injected from Node). */
interface Pending {
    frame: Buffer
    socket: Socket | null
    device: SimDevice | null
}

export class JacdacHub {
    private server: Server | null = null
    private readonly clients = new Set<Socket>()
    /** Each socket's device id, from the source of the first report it sent. */
    private readonly socketIds = new Map<Socket, string>()
    private readonly devices = new Set<SimDevice>()
    private readonly queue: Pending[] = []
    private delivering = false
    /** Called with every frame sent on the bus, before routing (from: the socket, or null for an in-process sender). */
    onFrame: (frame: Buffer, from: Socket | null, fromDeviceId: string | null) => void = () => {}
    /** Consulted for every sender and receiver pair; the default lets everything through. */
    route: RoutePolicy = () => true

    /**
     * Listens on the bus port. One simulator or VM test uses a port at a time: with `waitMs`, a
     * busy port is retried until it frees up (test files on the same port queue).
     */
    async start(port = HUB_PORT, waitMs = 0): Promise<void> {
        const deadline = Date.now() + waitMs
        for (;;) {
            try {
                await this.listen(port)
                return
            } catch (e) {
                if (Date.now() >= deadline || !(e instanceof PortInUseError)) throw e
                await new Promise((r) => setTimeout(r, 250))
            }
        }
    }

    private async listen(port: number): Promise<void> {
        const server = createServer((sock) => this.accept(sock))
        await new Promise<void>((resolve, reject) => {
            server.once("error", (e: NodeJS.ErrnoException) => reject(e.code === "EADDRINUSE" ? new PortInUseError(port) : e))
            server.listen(port, "127.0.0.1", () => resolve())
        })
        this.server = server
    }

    /**
     * Puts an in-process device on the bus: its frames are routed like a socket's, and frames
     * routed to it go to device.receive. Starting and stopping its announces is the caller's.
     */
    attach(device: SimDevice): void {
        this.devices.add(device)
        device.onSend = (frame) => this.enqueue({ frame, socket: null, device })
    }

    detach(device: SimDevice): void {
        if (!this.devices.delete(device)) return
        device.onSend = () => {}
    }

    /** The device id learned for a socket (null until it has sent a report). */
    socketDeviceId(sock: Socket): string | null {
        return this.socketIds.get(sock) ?? null
    }

    private accept(sock: Socket): void {
        sock.setNoDelay(true)
        this.clients.add(sock)
        let pending = Buffer.alloc(0)
        sock.on("data", (data) => {
            const { frames, rest } = splitFrames(Buffer.concat([pending, data]))
            pending = Buffer.from(rest)
            for (const f of frames) {
                this.learn(sock, f)
                this.enqueue({ frame: Buffer.from(f), socket: sock, device: null })
            }
        })
        const forget = () => {
            this.clients.delete(sock)
            this.socketIds.delete(sock)
        }
        sock.on("error", forget)
        sock.on("close", forget)
    }

    /** A report's identifier is its sender: the first valid one names the socket. */
    private learn(sock: Socket, frame: Buffer): void {
        if (this.socketIds.has(sock)) return
        const f = decodeJdFrame(frame)
        if (f && !(f.flags & JD_FRAME_FLAG_COMMAND)) this.socketIds.set(sock, f.deviceId)
    }

    /** Sends a frame to every client but `from` (null: to everyone), in-process devices included. */
    broadcast(frame: Buffer, from: Socket | null): void {
        this.enqueue({ frame, socket: from, device: null })
    }

    // A device answers synchronously from receive(): its answer is queued behind the frame being
    // delivered, so every member sees frames in the order they were sent.
    private enqueue(p: Pending): void {
        this.queue.push(p)
        if (this.delivering) return
        this.delivering = true
        try {
            for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next)
        } finally {
            this.delivering = false
            this.queue.length = 0
        }
    }

    private deliver(p: Pending): void {
        const fromId = p.device ? p.device.deviceId : p.socket ? this.socketDeviceId(p.socket) : null
        this.onFrame(p.frame, p.socket, fromId)
        let bytes: Buffer | null = null
        for (const c of this.clients) {
            if (c === p.socket || c.destroyed || !this.route(fromId, this.socketDeviceId(c))) continue
            bytes ??= encodeFrame(p.frame)
            c.write(bytes)
        }
        for (const d of this.devices) {
            if (d === p.device || !this.route(fromId, d.deviceId)) continue
            d.receive(p.frame)
        }
    }

    async stop(): Promise<void> {
        for (const c of this.clients) c.destroy()
        this.clients.clear()
        this.socketIds.clear()
        const s = this.server
        this.server = null
        if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    }
}
