// Loopback helpers for the RADIUS transport tests: raw UDP/TCP peers that send exact bytes and
// collect what comes back, and signed requests built with the portable codec.

import { createSocket, Socket as UdpSocket } from "node:dgram"
import { connect, Socket as TcpSocket } from "node:net"
import { encodePacket, RadiusAttribute } from "../../src/radius/packet"
import { radiusSecret, signRequest, signRequestAsync, withMessageAuthenticator } from "../../src/radius/authenticator"
import { FrameReader } from "../../sim/radius/framing"

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls `cond` every 5 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
    const end = Date.now() + ms
    while (!cond()) {
        if (Date.now() > end) return false
        await sleep(5)
    }
    return true
}

/** A signed request (Message-Authenticator first unless `ma` is false). */
export async function signedRequest(code: number, id: number, attrs: RadiusAttribute[], secret: Buffer, ma = true, auth?: Buffer): Promise<Buffer> {
    const authenticator = code === 4 ? Buffer.alloc(16) : (auth ?? Buffer.from(Array.from({ length: 16 }, (_, i) => (id * 31 + i * 7) & 0xff)))
    const bytes = encodePacket({ code, identifier: id, authenticator, attributes: ma ? withMessageAuthenticator(attrs) : attrs })
    return bytes.length <= 512 ? signRequest(bytes, radiusSecret(secret)) : signRequestAsync(bytes, radiusSecret(secret), async () => {})
}

export interface RawUdp {
    socket: UdpSocket
    port: number
    received: Buffer[]
    send(b: Buffer): Promise<void>
    close(): Promise<void>
}

/** A plain UDP socket talking to 127.0.0.1:port, collecting every datagram it gets. */
export async function rawUdp(port: number): Promise<RawUdp> {
    const socket = createSocket("udp4")
    const received: Buffer[] = []
    socket.on("message", (m) => received.push(m))
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()))
    return {
        socket,
        port: socket.address().port,
        received,
        send: (b: Buffer) => new Promise<void>((r, j) => socket.send(b, port, "127.0.0.1", (e) => (e ? j(e) : r()))),
        close: () => new Promise<void>((r) => socket.close(() => r())),
    }
}

export interface RawTcp {
    socket: TcpSocket
    frames: Buffer[]
    closed: boolean
    write(b: Buffer): Promise<void>
    close(): Promise<void>
}

/** A plain TCP connection to 127.0.0.1:port that cuts what it receives into RADIUS frames. */
export async function rawTcp(port: number): Promise<RawTcp> {
    const socket = connect({ host: "127.0.0.1", port })
    socket.setNoDelay(true)
    const reader = new FrameReader()
    const conn: RawTcp = {
        socket,
        frames: [],
        closed: false,
        write: (b: Buffer) => new Promise<void>((r) => (socket.destroyed ? r() : socket.write(b, () => r()))),
        close: () =>
            new Promise<void>((r) => {
                if (conn.closed) return r()
                socket.once("close", () => r())
                socket.destroy()
            }),
    }
    socket.on("data", (d) => conn.frames.push(...reader.push(d).frames))
    socket.on("error", () => {})
    socket.on("close", () => {
        conn.closed = true
    })
    await new Promise<void>((r, j) => {
        socket.once("connect", () => r())
        socket.once("error", j)
    })
    return conn
}
