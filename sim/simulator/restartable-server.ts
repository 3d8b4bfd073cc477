// The payment server as the simulator runs it: stopped and started again (from the dashboard, the
// command line, a test) over the same data folder and on the same RADIUS/TCP port, because the
// terminal's settings name that port and a real server comes back at its address. For the
// dishonest-terminal test the terminal is configured with a tampering proxy's port instead.

import { join } from "node:path"
import { PaymentServer } from "../server/payment-server"
import type { TlsServerCredentials } from "../server/eap-tls-server"
import { TamperingProxy } from "../terminal/tampering-proxy"

export interface ServerSettings {
    /** The simulator's data folder; the server keeps its store in `server/` below it. */
    dir: string
    /** EAP methods in order of preference. */
    methods: number[]
    log: (line: string) => void
    /** The server's EAP-TLS credentials, or null: EAP-TLS not offered. */
    tls: TlsServerCredentials | null
}

export class RestartableServer {
    private running: PaymentServer | null = null
    /** The RADIUS/TCP port, chosen by the system at the first start and kept from then on. */
    private tcpPort: number | null = null
    private tampering: TamperingProxy | null = null

    constructor(private readonly settings: ServerSettings) {}

    /** The running server, or null while it is stopped. */
    get server(): PaymentServer | null {
        return this.running
    }

    /** The proxy between the terminal and the server, or null for an honest terminal. */
    get proxy(): TamperingProxy | null {
        return this.tampering
    }

    async start(): Promise<PaymentServer> {
        const s = this.settings
        const server = await PaymentServer.start({ dataDir: join(s.dir, "server"), udpPort: 0, tcpPort: this.tcpPort ?? 0, methods: s.methods, log: s.log, tls: s.tls })
        this.running = server
        this.tcpPort = server.tcp.port
        return server
    }

    async stop(): Promise<void> {
        const s = this.running
        this.running = null
        if (s) await s.stop()
    }

    /** Puts a proxy that multiplies amounts in front of the server (a dishonest terminal); after start(). */
    async tamper(secret: string): Promise<void> {
        this.tampering = await TamperingProxy.start({ host: "127.0.0.1", port: this.radiusPort() }, secret)
    }

    /** The port a terminal reaches the server at: the proxy's if there is one. */
    terminalPort(): number {
        return this.tampering ? this.tampering.port : this.radiusPort()
    }

    /** Stops the proxy and the server. */
    async close(): Promise<void> {
        await this.tampering?.stop()
        await this.stop()
    }

    private radiusPort(): number {
        if (this.tcpPort === null) throw new Error("the payment server has not started yet")
        return this.tcpPort
    }
}
