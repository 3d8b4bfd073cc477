// RADIUS server over TCP (RFC 6613): packets back to back on a connection, each cut by its
// Length field (section 2.1); the processing is process.ts, as for UDP. Differences from UDP:
// - a connection from an unknown client is closed at once (section 2.6.4);
// - a malformed frame (Length outside 20..4096, bad attribute layout) or a request failing
//   authentication closes the connection, as section 2.6.4 requires ("silently discard" becomes
//   "silently discard and close"); a well-formed request with an unknown code is only dropped;
// - duplicate detection is per connection (section 2.6.1: servers SHOULD still detect
//   duplicates), and the cache goes with the connection;
// - timeouts (section 2.6): a connection that carries no request for the idle timeout while no
//   answer is pending is closed, and so is one whose frame, once begun, is not complete within
//   the frame timeout (a byte now and then does not keep a connection open).
// Requests on one connection are handled concurrently; responses go out as they are ready
// (RADIUS matches them by Identifier).

import { createServer, Server, Socket } from "node:net"
import { FrameReader } from "./framing"
import { DuplicateCache, newServerStats, normalizeAddress, processRequest, RadiusServerOptions, RadiusServerStats, RequestContext, SecretTable } from "./process"

export interface RadiusTcpServerOptions extends RadiusServerOptions {
    /** Close a connection that carried no request, with no answer pending, this long (ms); 0 never does. */
    idleTimeoutMs?: number
    /** Close a connection whose frame, once its first byte arrived, is not complete within this long (ms); 0 never does. */
    frameTimeoutMs?: number
}

export const DEFAULT_IDLE_TIMEOUT_MS = 120_000
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000

export class RadiusTcpServer {
    readonly stats: RadiusServerStats = newServerStats()
    private readonly secrets: SecretTable
    private readonly sockets = new Set<Socket>()
    private closed = false

    private constructor(
        private readonly server: Server,
        private readonly options: RadiusTcpServerOptions,
    ) {
        this.secrets = new SecretTable(options.secretFor)
        server.on("connection", (socket) => this.onConnection(socket))
        server.on("error", () => {
            this.stats.socketErrors++
        })
    }

    /** Listens (127.0.0.1 and an ephemeral port unless told otherwise). */
    static start(options: RadiusTcpServerOptions): Promise<RadiusTcpServer> {
        const server = createServer()
        return new Promise((resolve, reject) => {
            const onError = (e: Error) => {
                server.close()
                reject(e)
            }
            server.once("error", onError)
            server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
                server.off("error", onError)
                resolve(new RadiusTcpServer(server, options))
            })
        })
    }

    get port(): number {
        const a = this.server.address()
        return a && typeof a === "object" ? a.port : 0
    }

    /** Open connections (tests check that violations close theirs). */
    get connectionCount(): number {
        return this.sockets.size
    }

    private onConnection(socket: Socket): void {
        this.stats.connectionsAccepted++
        socket.on("error", () => {
            this.stats.socketErrors++
        })
        if (this.closed) {
            socket.destroy()
            return
        }
        const address = normalizeAddress(socket.remoteAddress)
        const secret = this.secrets.get(address)
        if (!secret) {
            this.stats.unknownClient++
            this.stats.connectionsClosed++
            socket.destroy()
            return
        }
        this.sockets.add(socket)
        const peer = { address, port: socket.remotePort ?? 0, transport: "tcp" as const }
        const cache = new DuplicateCache(this.options.duplicateWindowMs ?? 30_000, this.options.now ?? Date.now)
        const ctx: RequestContext = {
            secret,
            handler: this.options.handler,
            stats: this.stats,
            cache,
            requireMessageAuthenticator: this.options.requireMessageAuthenticator ?? false,
        }
        let open = true
        const violation = () => {
            if (!open) return
            open = false
            this.stats.connectionsClosed++
            socket.destroy()
        }
        const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
        const frameMs = this.options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
        let inFlight = 0
        let idleTimer: NodeJS.Timeout | undefined
        let frameTimer: NodeJS.Timeout | undefined
        const timeout = (counter: "idleTimeouts" | "frameTimeouts") => () => {
            if (!open) return
            open = false
            this.stats[counter]++
            socket.destroy()
        }
        const armIdle = () => {
            clearTimeout(idleTimer)
            idleTimer = idleMs > 0 && inFlight === 0 ? setTimeout(timeout("idleTimeouts"), idleMs) : undefined
        }
        armIdle()
        socket.on("close", () => {
            open = false
            clearTimeout(idleTimer)
            clearTimeout(frameTimer)
            cache.clear()
            this.sockets.delete(socket)
        })
        const reader = new FrameReader()
        socket.on("data", (chunk: Buffer) => {
            if (!open) return
            const partialBefore = reader.pending > 0
            const { frames, malformed } = reader.push(chunk)
            // The frame timer runs from the first byte of a frame until its last.
            if (reader.pending === 0 || frames.length > 0) {
                clearTimeout(frameTimer)
                frameTimer = undefined
            }
            if (reader.pending > 0 && frameMs > 0 && (frameTimer === undefined || !partialBefore)) frameTimer = setTimeout(timeout("frameTimeouts"), frameMs)
            if (frames.length > 0) {
                inFlight += frames.length
                armIdle()
            }
            frames.forEach((frame) => {
                this.stats.received++
                processRequest(frame, peer, ctx)
                    .then(
                        (out) => {
                            if (out.close) violation()
                            else if (out.reply && open && socket.writable) {
                                this.stats.responses++
                                socket.write(out.reply)
                            }
                        },
                        () => {
                            this.stats.handlerErrors++
                        },
                    )
                    .finally(() => {
                        inFlight--
                        if (open) armIdle()
                    })
            })
            if (malformed) {
                this.stats.received++
                this.stats.malformed++
                violation()
            }
        })
    }

    close(): Promise<void> {
        if (this.closed) return Promise.resolve()
        this.closed = true
        for (const s of this.sockets) s.destroy()
        this.sockets.clear()
        return new Promise((resolve) => this.server.close(() => resolve()))
    }
}
