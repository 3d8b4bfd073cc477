// Binding an HTTP server: resolves with the port once it listens, rejects with the bind error
// (EADDRINUSE, EACCES, EADDRNOTAVAIL) that sim/command-line.ts turns into one line, after
// `undo` has released what the server was to serve (its store).

import type { Server } from "node:http"

export async function listen(server: Server, port: number, host: string, undo: () => void): Promise<number> {
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject)
            server.listen(port, host, () => {
                server.off("error", reject)
                resolve()
            })
        })
    } catch (e) {
        undo()
        throw e
    }
    return (server.address() as { port: number }).port
}
