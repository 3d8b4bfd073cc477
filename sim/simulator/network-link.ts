// The vending machine's network link (its Wi-Fi): TCP forwarders from ports its settings name to
// the CA and the service provider, which the simulator can cut. The machine is offline by design:
// a test takes its link down to show it decides alone, and so that nothing resets the clock the
// test moved (online, the machine takes the service provider's time). A connection made while the
// link is down is closed at once; taking the link down closes the open ones.

import { createServer, connect, type Server, type Socket } from "node:net"

export class NetworkLink {
    private isUp = true
    private readonly servers: Server[] = []
    private readonly sockets = new Set<Socket>()

    get up(): boolean {
        return this.isUp
    }

    set up(on: boolean) {
        this.isUp = on
        if (!on) for (const s of this.sockets) s.destroy()
    }

    /** A port on 127.0.0.1 that leads to 127.0.0.1:`target()` while the link is up. */
    async forward(target: () => number): Promise<number> {
        const server = createServer((client) => {
            if (!this.isUp) {
                client.destroy()
                return
            }
            const upstream = connect(target(), "127.0.0.1")
            for (const s of [client, upstream]) {
                this.sockets.add(s)
                s.on("close", () => this.sockets.delete(s))
                s.on("error", () => {
                    client.destroy()
                    upstream.destroy()
                })
            }
            client.pipe(upstream)
            upstream.pipe(client)
        })
        this.servers.push(server)
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
        const address = server.address()
        if (address === null || typeof address === "string") throw new Error("the forwarder has no TCP port")
        return address.port
    }

    async close(): Promise<void> {
        this.up = false
        await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    }
}
