// Ports on 127.0.0.1 that are free right now: TCP (a server under test then binds UDP and TCP on
// it), and UDP.

import { createServer } from "node:net"
import { createSocket } from "node:dgram"

export async function freePort(): Promise<number> {
    const s = createServer()
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
    const port = (s.address() as { port: number }).port
    await new Promise<void>((r) => s.close(() => r()))
    return port
}

/** A UDP port on 127.0.0.1 that is free right now (for a RADIUS server started outside Node). */
export async function freeUdpPort(): Promise<number> {
    const s = createSocket("udp4")
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()))
    const port = s.address().port
    await new Promise<void>((r) => s.close(() => r()))
    return port
}
