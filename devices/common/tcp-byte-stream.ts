// A TCP connection from @devicescript/net as the portable ByteStream the RADIUS/TCP client uses.

import { connect, Socket } from "@devicescript/net"
import { ByteStream } from "../../src/radius/stream-client"

class SocketStream implements ByteStream {
    constructor(private readonly socket: Socket) {}

    async write(b: Buffer): Promise<void> {
        await this.socket.send(b)
    }

    async read(timeoutMs: number): Promise<Buffer | null> {
        const b = await this.socket.recv(timeoutMs)
        return b ? b : null // undefined on timeout, null when closed
    }

    async close(): Promise<void> {
        await this.socket.close()
    }
}

export async function openTcpStream(host: string, port: number, timeoutMs: number): Promise<ByteStream> {
    return new SocketStream(await connect({ host: host, port: port, proto: "tcp", timeout: timeoutMs }))
}
