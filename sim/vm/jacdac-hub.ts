// The Jacdac bus that `devs run --tcp` VMs join: a TCP server on 127.0.0.1:8082 that forwards
// every frame from one client to all the others. Framing (from the VM's TCP transport): one
// length byte then the frame, or 0xff, a 16-bit little-endian length, then the frame.

import { createServer, Server, Socket } from "node:net"

export const HUB_PORT = 8082

function encodeFrame(frame: Buffer): Buffer {
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

export class JacdacHub {
    private server: Server | null = null
    private readonly clients = new Set<Socket>()
    /** Called with every frame that crosses the bus (the simulator's peripherals listen here). */
    onFrame: (frame: Buffer, from: Socket) => void = () => {}

    async start(port = HUB_PORT): Promise<void> {
        this.server = createServer((sock) => this.accept(sock))
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", (e: NodeJS.ErrnoException) =>
                reject(e.code === "EADDRINUSE" ? new Error(`port ${port} is in use: another simulator or VM test is running`) : e),
            )
            this.server!.listen(port, "127.0.0.1", () => resolve())
        })
    }

    private accept(sock: Socket): void {
        sock.setNoDelay(true)
        this.clients.add(sock)
        let pending = Buffer.alloc(0)
        sock.on("data", (data) => {
            const { frames, rest } = splitFrames(Buffer.concat([pending, data]))
            pending = Buffer.from(rest)
            for (const f of frames) this.broadcast(f, sock)
        })
        sock.on("error", () => this.clients.delete(sock))
        sock.on("close", () => this.clients.delete(sock))
    }

    /** Sends a frame to every client but `from` (null: to everyone). */
    broadcast(frame: Buffer, from: Socket | null): void {
        this.onFrame(frame, from as Socket)
        const bytes = encodeFrame(frame)
        for (const c of this.clients) if (c !== from && !c.destroyed) c.write(bytes)
    }

    async stop(): Promise<void> {
        for (const c of this.clients) c.destroy()
        this.clients.clear()
        const s = this.server
        this.server = null
        if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    }
}
