// What a RADIUS server does with one request datagram (UDP) or frame (TCP), given the client's
// shared secret: written once, used by udp-server.ts and tcp-server.ts.
//
//   1. decode strictly (RFC 2865 section 3); malformed -> dropped (TCP: close, RFC 6613 2.6.4)
//   2. serve Access-Request, Accounting-Request and Status-Server only; other codes -> dropped
//   3. authenticate: Message-Authenticator mandatory with EAP-Message (RFC 3579 section 3.2),
//      with Status-Server (RFC 5997), or always when configured; checked when present;
//      Accounting-Request's Request Authenticator checked (RFC 2866) -> else dropped (TCP: close)
//   4. duplicate detection (RFC 5080 section 2.2.2): same source address and port, Identifier and
//      Request Authenticator within the window -> the cached response is sent again, and the
//      handler does not run; still in progress -> dropped
//   5. the handler answers (or not); the response gets the request's Identifier, its Proxy-State
//      attributes copied in order (RFC 2865 section 5.33), a Message-Authenticator first, and the
//      Response Authenticator (RFC 2865 section 3, RFC 3579 section 3.2)
// Every drop is counted in the stats by reason; nothing here throws for any input.

import {
    CODE_ACCESS_REQUEST,
    CODE_ACCOUNTING_REQUEST,
    CODE_ACCOUNTING_RESPONSE,
    CODE_STATUS_SERVER,
    decodePacket,
    encodePacket,
    isValidResponseCode,
    RadiusAttribute,
    RadiusFormatError,
    RadiusPacket,
} from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_PROXY_STATE, countAttributes, withoutAttributes } from "../../src/radius/attributes"
import {
    findMessageAuthenticator,
    MAX_SYNC_PACKET,
    radiusSecret,
    RadiusSecret,
    signResponse,
    signResponseAsync,
    verifyRequest,
    verifyRequestAsync,
    withMessageAuthenticator,
} from "../../src/radius/authenticator"

export interface RadiusPeer {
    address: string
    port: number
    transport: "udp" | "tcp"
}

/** What a handler answers: the code and attributes; Identifier, authenticators, Proxy-State and Message-Authenticator are filled in. */
export interface RadiusReply {
    code: number
    attributes: RadiusAttribute[]
}

/** Called once per new authenticated request; null sends nothing (and retransmissions get nothing). */
export type RadiusHandler = (request: RadiusPacket, client: RadiusPeer) => Promise<RadiusReply | null>

export interface RadiusServerStats {
    /** Datagrams (UDP) or frames (TCP) received, whatever became of them. */
    received: number
    /** UDP datagrams from an address without a secret; TCP connections refused for that reason. */
    unknownClient: number
    /** Refused by the codec (and, over TCP, a frame Length outside 20..4096). */
    malformed: number
    /** Well-formed, but not a request this server serves. */
    unknownCode: number
    /** Message-Authenticator absent where it is mandatory. */
    missingMessageAuthenticator: number
    /** Message-Authenticator present and wrong (Access-Request, Status-Server). */
    badMessageAuthenticator: number
    /** Accounting-Request whose Request Authenticator (or Message-Authenticator) is wrong. */
    badAuthenticator: number
    /** Retransmissions answered from the duplicate cache. */
    duplicatesResent: number
    /** Retransmissions dropped because the first copy was still being handled. */
    duplicatesInProgress: number
    /** Handler calls. */
    handled: number
    /** Handler calls that answered null. */
    noReply: number
    /** Handler calls that threw, or answered something that could not be encoded. */
    handlerErrors: number
    /** Responses written to the network (new and resent). */
    responses: number
    /** Socket errors (sending, connection resets). */
    socketErrors: number
    /** TCP connections accepted. */
    connectionsAccepted: number
    /** TCP connections the server closed because of a protocol violation or an unknown client. */
    connectionsClosed: number
    /** TCP connections closed after carrying no request for the idle timeout. */
    idleTimeouts: number
    /** TCP connections closed because a frame, once begun, did not complete in time. */
    frameTimeouts: number
}

export function newServerStats(): RadiusServerStats {
    return {
        received: 0,
        unknownClient: 0,
        malformed: 0,
        unknownCode: 0,
        missingMessageAuthenticator: 0,
        badMessageAuthenticator: 0,
        badAuthenticator: 0,
        duplicatesResent: 0,
        duplicatesInProgress: 0,
        handled: 0,
        noReply: 0,
        handlerErrors: 0,
        responses: 0,
        socketErrors: 0,
        connectionsAccepted: 0,
        connectionsClosed: 0,
        idleTimeouts: 0,
        frameTimeouts: 0,
    }
}

interface CacheEntry {
    key: string
    /**
     * The Request Authenticator as four words: not a view of the datagram, which the entry would
     * otherwise keep alive for the whole window (it is sent in clear, so no constant-time compare).
     */
    auth0: number
    auth1: number
    auth2: number
    auth3: number
    receivedAt: number
    pending: boolean
    response: Buffer | null
}

const PURGE_EVERY_MS = 100
/** Entries allowed over maxEntries between two purges. */
const PURGE_SLACK = 1024

/**
 * The RFC 5080 section 2.2.2 duplicate cache: one entry per (source address, source port,
 * Identifier), holding the Request Authenticator and, once handled, the response. A request with
 * the same key but another authenticator is a new request and replaces the entry. Entries expire
 * `windowMs` after the request arrived (expired ones are ignored at once and removed every 100 ms); about
 * `maxEntries` are kept (oldest evicted, at most PURGE_SLACK over between purges).
 */
export class DuplicateCache {
    private readonly entries = new Map<string, CacheEntry>()

    /** When purge() last ran: it runs at most every PURGE_EVERY_MS, not for every request. */
    private purgedAt = -Infinity

    constructor(
        readonly windowMs = 30_000,
        private readonly now: () => number = Date.now,
        private readonly maxEntries = 16_384,
    ) {}

    get size(): number {
        return this.entries.size
    }

    /** Drops entries from the oldest on while they are past the window or over the limit (the Map keeps insertion order). */
    private purge(now: number): void {
        const limit = now - this.windowMs
        for (const e of this.entries.values()) {
            if (e.receivedAt > limit && this.entries.size <= this.maxEntries) break
            this.entries.delete(e.key)
        }
    }

    /** The live entry for this request (pending or answered), or null when it is new. */
    lookup(key: string, authenticator: Buffer): CacheEntry | null {
        const e = this.entries.get(key)
        if (!e || e.receivedAt <= this.now() - this.windowMs) return null
        const a = authenticator
        return e.auth0 === a.readInt32BE(0) && e.auth1 === a.readInt32BE(4) && e.auth2 === a.readInt32BE(8) && e.auth3 === a.readInt32BE(12) ? e : null
    }

    /** Records a request as in progress. */
    begin(key: string, authenticator: Buffer): CacheEntry {
        const now = this.now()
        const a = authenticator
        const e: CacheEntry = { key, auth0: a.readInt32BE(0), auth1: a.readInt32BE(4), auth2: a.readInt32BE(8), auth3: a.readInt32BE(12), receivedAt: now, pending: true, response: null }
        this.entries.delete(key)
        this.entries.set(key, e)
        if (now - this.purgedAt >= PURGE_EVERY_MS || this.entries.size > this.maxEntries + PURGE_SLACK) {
            this.purgedAt = now
            this.purge(now)
        }
        return e
    }

    /** Stores the answer (null: none) unless the entry was replaced or expired meanwhile. */
    complete(e: CacheEntry, response: Buffer | null): void {
        if (this.entries.get(e.key) !== e) return
        e.pending = false
        e.response = response
    }

    /** Forgets a request whose handling failed, so that a retransmission is handled afresh. */
    abandon(e: CacheEntry): void {
        if (this.entries.get(e.key) === e) this.entries.delete(e.key)
    }

    clear(): void {
        this.entries.clear()
    }
}

export interface RequestContext {
    secret: RadiusSecret
    handler: RadiusHandler
    stats: RadiusServerStats
    cache: DuplicateCache
    requireMessageAuthenticator: boolean
}

/** What the transport does next: send `reply` (if any), and close the TCP connection when `close`. */
export interface Outcome {
    reply: Buffer | null
    close: boolean
}

export const DROP: Outcome = { reply: null, close: false }
const DROP_AND_CLOSE: Outcome = { reply: null, close: true }
const noYield = async (): Promise<void> => {}

function isServedCode(code: number): boolean {
    return code === CODE_ACCESS_REQUEST || code === CODE_ACCOUNTING_REQUEST || code === CODE_STATUS_SERVER
}

/** The signed response bytes for a handler's reply. */
export async function buildResponse(request: RadiusPacket, reply: RadiusReply, secret: RadiusSecret): Promise<Buffer> {
    if (!isValidResponseCode(request.code, reply.code)) throw new RangeError("response code " + reply.code + " does not answer code " + request.code)
    let attributes = withoutAttributes(reply.attributes, ATTR_PROXY_STATE)
    request.attributes.forEach((a) => {
        if (a.type === ATTR_PROXY_STATE) attributes.push(a)
    })
    // Message-Authenticator in every Access-* response and any answer to Status-Server; an
    // Accounting-Response to an Accounting-Request goes without (RFC 2866 defines none there).
    if (!(reply.code === CODE_ACCOUNTING_RESPONSE && request.code === CODE_ACCOUNTING_REQUEST)) attributes = withMessageAuthenticator(attributes)
    const bytes = encodePacket({ code: reply.code, identifier: request.identifier, authenticator: request.authenticator, attributes })
    // Node has no VM step limit to yield for: a packet that fits one slice is signed without a promise.
    return bytes.length <= MAX_SYNC_PACKET ? signResponse(bytes, request.authenticator, secret) : signResponseAsync(bytes, request.authenticator, secret, noYield)
}

/** Processes one request datagram or frame from `peer`, whose shared secret is `ctx.secret`. */
export async function processRequest(data: Buffer, peer: RadiusPeer, ctx: RequestContext): Promise<Outcome> {
    const stats = ctx.stats
    let request: RadiusPacket
    let ma: number
    try {
        request = decodePacket(data)
        ma = findMessageAuthenticator(data)
    } catch (e) {
        if (!(e instanceof RadiusFormatError)) throw e
        stats.malformed++
        return DROP_AND_CLOSE
    }
    if (!isServedCode(request.code)) {
        stats.unknownCode++
        return DROP
    }
    const required = ctx.requireMessageAuthenticator || request.code === CODE_STATUS_SERVER || countAttributes(request.attributes, ATTR_EAP_MESSAGE) > 0
    if (ma < 0 && required) {
        stats.missingMessageAuthenticator++
        return DROP_AND_CLOSE
    }
    const authentic =
        data.length <= MAX_SYNC_PACKET ? verifyRequest(data, ctx.secret, ctx.requireMessageAuthenticator) : await verifyRequestAsync(data, ctx.secret, ctx.requireMessageAuthenticator, noYield)
    if (!authentic) {
        if (request.code === CODE_ACCOUNTING_REQUEST) stats.badAuthenticator++
        else stats.badMessageAuthenticator++
        return DROP_AND_CLOSE
    }

    const key = peer.address + "|" + peer.port + "|" + request.identifier
    const seen = ctx.cache.lookup(key, request.authenticator)
    if (seen) {
        if (seen.pending) {
            stats.duplicatesInProgress++
            return DROP
        }
        stats.duplicatesResent++
        return { reply: seen.response, close: false }
    }
    const entry = ctx.cache.begin(key, request.authenticator)
    let reply: RadiusReply | null
    let bytes: Buffer
    try {
        stats.handled++
        reply = await ctx.handler(request, peer)
        if (!reply) {
            stats.noReply++
            ctx.cache.complete(entry, null)
            return DROP
        }
        bytes = await buildResponse(request, reply, ctx.secret)
    } catch (e) {
        stats.handlerErrors++
        ctx.cache.abandon(entry)
        return DROP
    }
    ctx.cache.complete(entry, bytes)
    return { reply: bytes, close: false }
}

/**
 * The shared secrets by client address, with the HMAC key states computed once per secret.
 * A lookup that throws, or a secret that radiusSecret refuses (empty), counts as an unknown client.
 * secretFor may hand back the same Buffer for every request (it is then recognised without being
 * re-read) as long as it never writes to it; a new Buffer is recognised by its bytes.
 */
export class SecretTable {
    private readonly byBytes = new Map<string, RadiusSecret>()
    private readonly byBuffer = new WeakMap<Buffer, RadiusSecret>()

    constructor(private readonly secretFor: (address: string) => Buffer | null) {}

    get(address: string): RadiusSecret | null {
        let raw: Buffer | null
        try {
            raw = this.secretFor(address)
            if (!raw) return null
            const known = this.byBuffer.get(raw)
            if (known) return known
            const hex = raw.toString("hex")
            let s = this.byBytes.get(hex)
            if (!s) {
                s = radiusSecret(raw)
                this.byBytes.set(hex, s)
            }
            this.byBuffer.set(raw, s)
            return s
        } catch (e) {
            return null
        }
    }
}

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) -> "127.0.0.1". */
export function normalizeAddress(address: string | undefined): string {
    if (!address) return ""
    return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address
}

/** Options common to the UDP and TCP servers. */
export interface RadiusServerOptions {
    /** Address to listen on; 127.0.0.1 by default. */
    host?: string
    /** Port; 0 (an ephemeral port) by default. */
    port?: number
    /** The shared secret of the client at this address, or null for an unknown client. */
    secretFor: (address: string) => Buffer | null
    handler: RadiusHandler
    /** Require Message-Authenticator in every request, not only where the RFCs make it mandatory. */
    requireMessageAuthenticator?: boolean
    /** Duplicate detection window; 30 s by default. */
    duplicateWindowMs?: number
    /** Clock for the duplicate cache (tests). */
    now?: () => number
}
