// A node:net connection as the portable ByteStream (tests run the terminal's RADIUS/TCP client
// against the real server; on the device the same interface wraps @devicescript/net).

import { connect, Socket } from "node:net"
import type { ByteStream } from "../../src/radius/stream-client"

export function nodeByteStream(host: string, port: number): Promise<ByteStream> {
    return new Promise((resolve, reject) => {
        const socket: Socket = connect({ host, port })
        const chunks: Buffer[] = []
        let waiter: ((b: Buffer | null) => void) | null = null
        let closed = false
        socket.on("data", (d: Buffer) => {
            if (waiter) {
                const w = waiter
                waiter = null
                w(d)
            } else chunks.push(d)
        })
        socket.on("close", () => {
            closed = true
            if (waiter) {
                const w = waiter
                waiter = null
                w(null)
            }
        })
        socket.once("error", (e) => {
            if (!closed) reject(e)
        })
        socket.once("connect", () =>
            resolve({
                write: (b) => new Promise<void>((res, rej) => socket.write(b, (e) => (e ? rej(e) : res()))),
                read: (timeoutMs) =>
                    new Promise<Buffer | null>((res) => {
                        if (chunks.length > 0) return res(Buffer.concat(chunks.splice(0)))
                        if (closed) return res(null)
                        const timer = setTimeout(() => {
                            waiter = null
                            res(null)
                        }, timeoutMs)
                        waiter = (b) => {
                            clearTimeout(timer)
                            res(b)
                        }
                    }),
                close: async () => {
                    socket.destroy()
                },
            }),
        )
    })
}
