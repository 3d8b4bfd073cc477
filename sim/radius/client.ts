// RADIUS client over UDP (RFC 2865) or TCP (RFC 6613), for the simulator, the tests and tools.
//
// - Identifiers: 0..255 per socket, handed out round-robin so that a late answer to an old
//   request is unlikely to meet a new one with the same ID; when all 256 are in flight, requests
//   wait for one to free up.
// - Every request gets a fresh random Request Authenticator (Accounting-Request: the computed
//   one) and, for Access-Request and Status-Server, a Message-Authenticator first (unless turned
//   off per request; the "BlastRADIUS" hardening).
// - UDP: on timeout the identical datagram (same ID, same authenticator) is sent again, up to
//   `retries` times, then the request fails with RadiusTimeoutError. TCP: no retransmission on a
//   connection (RFC 6613 section 2.6.1); the request fails at the timeout.
// - A response is accepted only if its ID is in flight, its code answers the request, and its
//   Response Authenticator and Message-Authenticator verify against the request (the latter is
//   required when the request carried EAP-Message, or always if configured). Over UDP anything
//   else is ignored and counted; over TCP a malformed frame or a response failing verification
//   closes the connection (RFC 6613 section 2.6.4) and fails the requests in flight.

import { createSocket, Socket as UdpSocket } from "node:dgram"
import { connect as tcpConnect, isIP, Socket as TcpSocket } from "node:net"
import { nodeRandomBytes } from "../node-platform"
import {
    AUTHENTICATOR_LENGTH,
    checkPacket,
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_STATUS_SERVER,
    decodePacket,
    encodePacket,
    isValidResponseCode,
    RadiusAttribute,
    RadiusPacket,
} from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_MESSAGE_AUTHENTICATOR, countAttributes, withoutAttributes } from "../../src/radius/attributes"
import {
    MAX_SYNC_PACKET,
    newRequestAuthenticator,
    radiusSecret,
    RadiusSecret,
    signRequest,
    signRequestAsync,
    verifyResponse,
    verifyResponseAsync,
    withMessageAuthenticator,
} from "../../src/radius/authenticator"
import { FrameReader } from "./framing"

export class RadiusTimeoutError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "RadiusTimeoutError"
    }
}

export interface RadiusClientOptions {
    transport: "udp" | "tcp"
    host: string
    port: number
    secret: Buffer
    /** Per attempt over UDP, per request over TCP; 1000 ms by default. */
    timeoutMs?: number
    /** UDP retransmissions after the first send; 2 by default. */
    retries?: number
    /** Random bytes for Request Authenticators; node:crypto by default. */
    random?: (n: number) => Buffer
    /** Require a Message-Authenticator in every response (it is always required when the request carried EAP-Message). */
    requireMessageAuthenticator?: boolean
    /** Source address to send from (servers know clients by address: a proxy on 127.0.0.2, say); any by default. */
    localAddress?: string
}

export interface RadiusRequestOptions {
    /** Add a Message-Authenticator; default true for Access-Request and Status-Server, false for Accounting-Request. */
    messageAuthenticator?: boolean
    timeoutMs?: number
    retries?: number
}

export interface RadiusClientStats {
    /** Requests started. */
    requests: number
    /** Datagrams or frames written, retransmissions included. */
    sent: number
    retransmissions: number
    timeouts: number
    /** Responses accepted. */
    responses: number
    /** Responses whose Response Authenticator or Message-Authenticator did not verify (or a mandatory one was missing). */
    badAuthenticator: number
    /** Well-formed responses matching no request in flight, or with a code that does not answer it. */
    unexpected: number
    /** Datagrams or frames the codec refused. */
    malformed: number
    /** TCP connections closed by this client because of a protocol violation. */
    connectionsClosed: number
}

interface Pending {
    id: number
    code: number
    bytes: Buffer
    authenticator: Buffer
    requireMessageAuthenticator: boolean
    attemptsLeft: number
    timeoutMs: number
    /** When the current attempt times out (Date.now() ms). */
    deadline: number
    resolve: (p: RadiusPacket) => void
    reject: (e: Error) => void
}

const noYield = async (): Promise<void> => {}

/**
 * Timeouts are checked by one sweep every SWEEP_MS over the clients with requests in flight, not
 * by a timer per request or per client (a timer per datagram, then one per client of a busy
 * benchmark fleet, were visible shares of the load's time); a request times out between
 * timeoutMs and timeoutMs + SWEEP_MS after it was sent.
 */
const SWEEP_MS = 10

/** The clients with requests in flight, and the one timer that sweeps them. */
const sweeping = new Set<RadiusClient>()
let sweepTimer: NodeJS.Timeout | null = null

function startSweeping(c: RadiusClient): void {
    sweeping.add(c)
    if (!sweepTimer) sweepTimer = setInterval(sweepAll, SWEEP_MS)
}

function stopSweeping(c: RadiusClient): void {
    sweeping.delete(c)
    if (sweeping.size === 0 && sweepTimer) {
        clearInterval(sweepTimer)
        sweepTimer = null
    }
}

function sweepAll(): void {
    const now = Date.now()
    for (const c of sweeping) c.sweep(now)
}

export class RadiusClient {
    readonly stats: RadiusClientStats = {
        requests: 0,
        sent: 0,
        retransmissions: 0,
        timeouts: 0,
        responses: 0,
        badAuthenticator: 0,
        unexpected: 0,
        malformed: 0,
        connectionsClosed: 0,
    }
    private readonly secret: RadiusSecret
    private readonly random: (n: number) => Buffer
    private readonly inFlight: (Pending | null)[] = []
    /** Identifiers handed out (in flight, or being prepared). */
    private readonly busy: boolean[] = []
    private readonly waiting: (() => void)[] = []
    private nextId = 0
    /** The requests in flight, for the timeout sweep (usually a handful of the 256 slots). */
    private readonly pending = new Set<Pending>()
    private closed = false
    private udp: UdpSocket | null = null
    private tcp: TcpSocket | null = null

    private constructor(private readonly options: RadiusClientOptions) {
        this.secret = radiusSecret(options.secret)
        this.random = options.random ?? nodeRandomBytes
        for (let i = 0; i < 256; i++) {
            this.inFlight.push(null)
            this.busy.push(false)
        }
    }

    /** A client with its socket bound (UDP, connected to the server) or its connection open (TCP). */
    static async connect(options: RadiusClientOptions): Promise<RadiusClient> {
        const c = new RadiusClient(options)
        if (options.transport === "udp") await c.openUdp()
        else await c.openTcp()
        return c
    }

    private openUdp(): Promise<void> {
        const socket = createSocket(isIP(this.options.host) === 6 ? "udp6" : "udp4")
        this.udp = socket
        socket.on("message", (msg) => {
            this.onResponse(msg)
        })
        return new Promise((resolve, reject) => {
            socket.once("error", reject)
            const connectUdp = () =>
                // A connected socket: the kernel delivers only datagrams from the server's address and port.
                socket.connect(this.options.port, this.options.host, () => {
                    socket.off("error", reject)
                    // Datagrams go out without a callback (one fewer tick per send): an error
                    // sending to or hearing from the server (ECONNREFUSED from a closed port)
                    // comes here, and fails what is in flight at once rather than at its timeout.
                    socket.on("error", (e) => this.failAll(e))
                    resolve()
                })
            if (this.options.localAddress) socket.bind(0, this.options.localAddress, connectUdp)
            else connectUdp()
        })
    }

    private openTcp(): Promise<void> {
        const socket = tcpConnect({ host: this.options.host, port: this.options.port, localAddress: this.options.localAddress })
        this.tcp = socket
        const reader = new FrameReader()
        socket.on("data", (chunk: Buffer) => {
            const { frames, malformed } = reader.push(chunk)
            frames.forEach((f) => this.onResponse(f))
            if (malformed) {
                this.stats.malformed++
                this.violation("malformed frame from the server")
            }
        })
        socket.on("close", () => this.failAll(new Error("RADIUS/TCP connection closed")))
        return new Promise((resolve, reject) => {
            socket.once("error", reject)
            socket.once("connect", () => {
                socket.off("error", reject)
                socket.on("error", () => {})
                resolve()
            })
        })
    }

    /** TCP: a protocol violation by the server closes the connection (RFC 6613 section 2.6.4). */
    private violation(why: string): void {
        if (!this.tcp || this.tcp.destroyed) return
        this.stats.connectionsClosed++
        this.failAll(new Error("RADIUS/TCP connection closed: " + why))
        this.tcp.destroy()
    }

    private failAll(e: Error): void {
        for (let id = 0; id < 256; id++) {
            const p = this.inFlight[id]
            if (p) this.finish(p, null, e)
        }
    }

    private acquireId(): Promise<number> {
        for (let k = 0; k < 256; k++) {
            const id = (this.nextId + k) & 0xff
            if (!this.busy[id]) {
                this.busy[id] = true
                this.nextId = (id + 1) & 0xff
                return Promise.resolve(id)
            }
        }
        return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.acquireId())
    }

    private releaseId(id: number): void {
        this.busy[id] = false
        const next = this.waiting.shift()
        if (next) next()
    }

    private finish(p: Pending, response: RadiusPacket | null, error: Error | null): void {
        if (this.inFlight[p.id] !== p) return
        this.inFlight[p.id] = null
        this.pending.delete(p)
        if (this.pending.size === 0) stopSweeping(this)
        if (response) p.resolve(response)
        else p.reject(error ?? new Error("RADIUS request failed"))
        this.releaseId(p.id)
    }

    private transmit(p: Pending): void {
        this.stats.sent++
        if (this.udp) {
            this.udp.send(p.bytes)
        } else if (this.tcp && !this.tcp.destroyed) {
            this.tcp.write(p.bytes)
        } else {
            this.finish(p, null, new Error("RADIUS/TCP connection closed"))
            return
        }
        p.deadline = Date.now() + p.timeoutMs
    }

    /** Times out (or retransmits) the requests whose attempt is past its deadline. */
    sweep(now: number): void {
        for (const p of this.pending) if (p.deadline <= now) this.onTimeout(p)
    }

    private onTimeout(p: Pending): void {
        if (this.inFlight[p.id] !== p) return
        if (this.udp && p.attemptsLeft > 0) {
            p.attemptsLeft--
            this.stats.retransmissions++
            this.transmit(p)
            return
        }
        this.stats.timeouts++
        this.finish(p, null, new RadiusTimeoutError("no response to RADIUS request " + p.id + " from " + this.options.host + ":" + this.options.port))
    }

    /**
     * Sends a request and resolves with the verified response. Attributes are sent in the order
     * given (a Message-Authenticator is put first when one is added).
     */
    async request(code: number, attributes: RadiusAttribute[], options: RadiusRequestOptions = {}): Promise<RadiusPacket> {
        if (this.closed) throw new Error("RADIUS client closed")
        if (code !== CODE_ACCESS_REQUEST && code !== CODE_ACCOUNTING_REQUEST && code !== CODE_STATUS_SERVER) throw new RangeError("not a request code: " + code)
        this.stats.requests++
        const id = await this.acquireId()
        if (this.closed) {
            this.releaseId(id)
            throw new Error("RADIUS client closed")
        }
        const withMa = options.messageAuthenticator ?? code !== CODE_ACCOUNTING_REQUEST
        const attrs = withMa ? withMessageAuthenticator(attributes) : withoutAttributes(attributes, ATTR_MESSAGE_AUTHENTICATOR)
        const auth = code === CODE_ACCOUNTING_REQUEST ? Buffer.alloc(AUTHENTICATOR_LENGTH) : newRequestAuthenticator(this.random)
        let bytes: Buffer
        try {
            const unsigned = encodePacket({ code, identifier: id, authenticator: auth, attributes: attrs })
            // Node has no VM step limit to yield for: a packet that fits one slice is signed without a promise.
            bytes = unsigned.length <= MAX_SYNC_PACKET ? signRequest(unsigned, this.secret) : await signRequestAsync(unsigned, this.secret, noYield)
        } catch (e) {
            // Could not encode (too long, bad attribute): give the identifier back.
            this.releaseId(id)
            throw e
        }
        return new Promise<RadiusPacket>((resolve, reject) => {
            const p: Pending = {
                id,
                code,
                bytes,
                authenticator: Buffer.from(bytes.subarray(4, 20)),
                requireMessageAuthenticator: (this.options.requireMessageAuthenticator ?? false) || countAttributes(attrs, ATTR_EAP_MESSAGE) > 0,
                attemptsLeft: options.retries ?? this.options.retries ?? 2,
                timeoutMs: options.timeoutMs ?? this.options.timeoutMs ?? 1000,
                deadline: 0,
                resolve,
                reject,
            }
            this.inFlight[id] = p
            this.pending.add(p)
            if (this.pending.size === 1) startSweeping(this)
            this.transmit(p)
        })
    }

    private onResponse(msg: Buffer): void {
        try {
            checkPacket(msg)
        } catch (e) {
            this.stats.malformed++
            if (this.tcp) this.violation("malformed response")
            return
        }
        const p = this.inFlight[msg[1]]
        if (!p || !isValidResponseCode(p.code, msg[0])) {
            this.stats.unexpected++
            return
        }
        if (msg.length > MAX_SYNC_PACKET) {
            verifyResponseAsync(msg, p.authenticator, this.secret, p.requireMessageAuthenticator, noYield).then(
                (ok) => this.accept(p, msg, ok),
                () => this.accept(p, msg, false),
            )
            return
        }
        let ok = false
        try {
            ok = verifyResponse(msg, p.authenticator, this.secret, p.requireMessageAuthenticator)
        } catch (e) {
            // A packet the authenticator code cannot even parse does not verify.
        }
        this.accept(p, msg, ok)
    }

    /** A response to p, once its authenticators are checked (`authentic`). */
    private accept(p: Pending, msg: Buffer, authentic: boolean): void {
        if (!authentic) {
            this.stats.badAuthenticator++
            if (this.tcp) this.violation("response failed authentication")
            return
        }
        if (this.inFlight[p.id] !== p) {
            this.stats.unexpected++
            return
        }
        this.stats.responses++
        this.finish(p, decodePacket(msg), null)
    }

    /** Fails the requests in flight and closes the socket. */
    close(): Promise<void> {
        if (this.closed) return Promise.resolve()
        this.closed = true
        this.failAll(new Error("RADIUS client closed"))
        // Requests waiting for an identifier wake up, see the client closed and fail.
        this.waiting.splice(0).forEach((wake) => wake())
        if (this.udp) {
            const s = this.udp
            return new Promise((resolve) => s.close(() => resolve()))
        }
        const t = this.tcp
        if (!t || t.destroyed) return Promise.resolve()
        return new Promise((resolve) => {
            t.once("close", () => resolve())
            t.destroy()
        })
    }
}
