// A TCP connection as the portable ByteStream the RADIUS/TCP client and the HTTP client use, over
// the runtime's socket builtins (one socket at a time). @devicescript/net wraps the same builtins
// in a Socket class with emitters, TLS and line reading (about 1.4 KB of bytecode); this file
// keeps only what a ByteStream needs. The runtime reports "open", "data", "close" and "error"
// through ds._socketOnEvent.

import * as ds from "@devicescript/core"
import { ByteStream } from "../../src/radius/stream-client"

type NativeSockets = typeof ds & {
    _socketOpen(host: string, port: number): number
    _socketClose(): number
    _socketWrite(buf: Buffer): number
    _socketOnEvent: (event: string, arg: Buffer | string) => void
}
const native = ds as NativeSockets

/** The connection the runtime's events are for; null when none is open. */
let current: TcpStream | null = null

class TcpStream implements ByteStream {
    chunks: Buffer[] = []
    /** null while the connection lives; "" after a close, the error's text after an error. */
    end: string | null = null
    waiter: ds.Fiber | null = null

    /** Waits for the runtime's next event: false when `timeoutMs` passed first. */
    async event(timeoutMs: number): Promise<boolean> {
        this.waiter = ds.Fiber.self()
        const v = await ds.suspend<boolean>(timeoutMs)
        this.waiter = null
        return v !== undefined
    }

    async write(b: Buffer): Promise<void> {
        if (this !== current || native._socketWrite(b) !== 0) throw new Error("TCP send failed")
    }

    async read(timeoutMs: number): Promise<Buffer | null> {
        for (;;) {
            if (this.chunks.length > 0) return this.chunks.shift()
            if (this.end !== null) {
                if (this.end !== "") throw new Error("TCP " + this.end)
                return null
            }
            if (!(await this.event(timeoutMs))) return null
        }
    }

    async close(): Promise<void> {
        if (this === current) {
            native._socketClose()
            current = null
        }
    }
}

function onSocketEvent(event: string, arg: Buffer | string): void {
    const s = current
    if (s === null) return
    if (event === "data") s.chunks.push(arg as Buffer)
    else if (event !== "open") {
        s.end = event === "error" ? arg + "" : ""
        current = null
    }
    if (s.waiter !== null && s.waiter.suspended) s.waiter.resume(true)
}

export async function openTcpStream(host: string, port: number, timeoutMs: number): Promise<ByteStream> {
    native._socketOnEvent = onSocketEvent
    // A connection still open is ended: the runtime has one socket.
    onSocketEvent("error", "terminated")
    const s = new TcpStream()
    current = s
    // The first event of a connection is "open", unless it failed.
    if (native._socketOpen(host, port) === 0 && (await s.event(timeoutMs)) && s.end === null) return s
    // Refused, closed, failed or timed out: nothing is left open.
    await s.close()
    throw new Error("TCP " + host + ":" + port + " " + (s.end || "not connected"))
}
