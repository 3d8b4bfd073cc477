// RADIUS server over UDP (RFC 2865): one datagram, one request. Clients are known by source
// address (their shared secret comes from `secretFor`); everything else is in process.ts.
// Datagrams from unknown clients, malformed or unauthenticated ones are silently discarded and
// counted; no input makes the server throw or stop.

import { createSocket, RemoteInfo, Socket } from "node:dgram"
import { DROP, DuplicateCache, newServerStats, normalizeAddress, Outcome, processRequest, RadiusServerOptions, RadiusServerStats, SecretTable } from "./process"

/** Receive buffer asked of the kernel (SO_RCVBUF). */
export const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024

export class RadiusUdpServer {
    readonly stats: RadiusServerStats = newServerStats()
    private readonly secrets: SecretTable
    private readonly cache: DuplicateCache
    private closed = false

    private constructor(
        private readonly socket: Socket,
        private readonly options: RadiusServerOptions,
    ) {
        this.secrets = new SecretTable(options.secretFor)
        this.cache = new DuplicateCache(options.duplicateWindowMs ?? 30_000, options.now ?? Date.now)
        socket.on("message", (msg, rinfo) => this.onMessage(msg, rinfo))
        socket.on("error", () => {
            this.stats.socketErrors++
        })
    }

    /** Binds a server (127.0.0.1 and an ephemeral port unless told otherwise). */
    static start(options: RadiusServerOptions): Promise<RadiusUdpServer> {
        const host = options.host ?? "127.0.0.1"
        const socket = createSocket(host.includes(":") ? "udp6" : "udp4")
        return new Promise((resolve, reject) => {
            const onError = (e: Error) => {
                socket.close()
                reject(e)
            }
            socket.once("error", onError)
            socket.bind(options.port ?? 0, host, () => {
                socket.off("error", onError)
                try {
                    // Room for bursts: while a busy event loop is away, datagrams queue in the kernel,
                    // each costing a few KB of buffer; the default (about 200 KB) drops a burst from
                    // a few hundred terminals. The kernel caps this at net.core.rmem_max.
                    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES)
                } catch (e) {
                    // Not allowed here: the default buffer still works, with more retransmissions under load.
                }
                resolve(new RadiusUdpServer(socket, options))
            })
        })
    }

    get port(): number {
        return this.socket.address().port
    }

    get address(): string {
        return this.socket.address().address
    }

    private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
        this.answer(msg, rinfo.address, rinfo.port).then(
            (out) => {
                if (!out.reply || this.closed) return
                this.stats.responses++
                try {
                    // No callback: a failed send surfaces as the socket's "error" event, counted there.
                    this.socket.send(out.reply, rinfo.port, rinfo.address)
                } catch (e) {
                    this.stats.socketErrors++
                }
            },
            () => {
                this.stats.handlerErrors++
            },
        )
    }

    /**
     * What the server does with a datagram from address:port, except the socket: the reply to send,
     * if any (a dropped datagram is counted). The benchmark calls it directly to tell the
     * protocol's cost from the transport's.
     */
    answer(msg: Buffer, fromAddress: string, fromPort: number): Promise<Outcome> {
        this.stats.received++
        const address = normalizeAddress(fromAddress)
        const secret = this.secrets.get(address)
        if (!secret) {
            this.stats.unknownClient++
            return Promise.resolve(DROP)
        }
        const peer = { address, port: fromPort, transport: "udp" as const }
        const ctx = {
            secret,
            handler: this.options.handler,
            stats: this.stats,
            cache: this.cache,
            requireMessageAuthenticator: this.options.requireMessageAuthenticator ?? false,
        }
        return processRequest(msg, peer, ctx)
    }

    close(): Promise<void> {
        if (this.closed) return Promise.resolve()
        this.closed = true
        this.cache.clear()
        return new Promise((resolve) => this.socket.close(() => resolve()))
    }
}
