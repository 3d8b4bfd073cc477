// A TCP port on 127.0.0.1 that is free right now (a server under test then binds UDP and TCP on it).

import { createServer } from "node:net"

export async function freePort(): Promise<number> {
    const s = createServer()
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r))
    const port = (s.address() as { port: number }).port
    await new Promise<void>((r) => s.close(() => r()))
    return port
}
