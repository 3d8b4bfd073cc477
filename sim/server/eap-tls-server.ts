// The server's side of one EAP-TLS authentication with TLS 1.3 (RFC 5216 framing, RFC 9190):
// Node's TLS server (OpenSSL) handed a stream that carries the TLS records of the EAP-TLS
// fragments. It is a real tls.Server (`server.emit("connection", stream)`), not a bare TLSSocket,
// so a client certificate that does not chain to the CA ends the handshake with an alert.
// As a state machine:
//   START (EAP-TLS Start sent) -> HANDSHAKE (records both ways, fragments acknowledged) ->
//   CONFIRM (the handshake done, the protected success indication, one 0x00 byte of application
//   data, sent after the tickets) -> DONE with EAP-Success; or -> REFUSING (TLS failed: what it
//   wrote last, an alert, sent) -> DONE with EAP-Failure once the peer answers it; anything
//   malformed -> DONE with EAP-Failure.
// A client certificate that does not verify: Node's server closes the connection without an
// alert, so the peer learns it from the EAP-Failure.
// Keys come from the TLS exporter (RFC 9190 2.3): Key_Material = TLS-Exporter(
// "EXPORTER_EAP_TLS_Key_Material", 0x0D, 128) gives the MSK (first 64 bytes) and EMSK; Method-Id
// = TLS-Exporter("EXPORTER_EAP_TLS_Method-Id", 0x0D, 64); Session-Id = 0x0D || Method-Id.

import { Duplex } from "node:stream"
import { createServer, type Server, type TLSSocket } from "node:tls"
import { decodeEap, EAP_FAILURE, EAP_REQUEST, EAP_RESPONSE, EAP_SUCCESS, encodeEap, MAX_EAP_LENGTH } from "../../src/eap/eap-packet"
import { decodeTlsFragment, EAP_TYPE_TLS, encodeTlsFragment, isTlsAck, splitTlsMessage, TLS_FLAG_START, TlsFragment, TlsReassembly } from "../../src/eap/eap-tls-fragments"
import { FormatError } from "../../src/format-error"

export const TLS_SERVER_START = "START"
export const TLS_SERVER_HANDSHAKE = "HANDSHAKE"
export const TLS_SERVER_CONFIRM = "CONFIRM"
export const TLS_SERVER_REFUSING = "REFUSING"
export const TLS_SERVER_DONE = "DONE"

/** TLS data per EAP-TLS fragment: an EAP packet of MAX_EAP_LENGTH with its 5-byte header, flags and length. */
export const TLS_DATA_PER_FRAGMENT = MAX_EAP_LENGTH - 10
/** The longest TLS message the server accepts from a peer (a certificate chain and its signature). */
const MAX_PEER_MESSAGE = 16384
/** How long OpenSSL may take over one flight before the exchange fails. */
const FLIGHT_TIMEOUT_MS = 5000

const TYPE_CODE = Buffer.from([EAP_TYPE_TLS])

export interface TlsServerCredentials {
    /** The server's private key (PEM). */
    key: string
    cert: string
    /** The CA that issues the cards' certificates (PEM). */
    ca: string
}

export interface TlsServerOutcome {
    success: boolean
    /** Why not, for the log (never secret). */
    reason: string
    /** 64-byte MSK and EMSK from the exporter; never sent to the terminal. */
    msk: Buffer | null
    emsk: Buffer | null
    /** 0x0D || Method-Id. */
    sessionId: Buffer | null
    /** The card's certificate DER, once verified. */
    peerCertificate: Buffer | null
}

export class EapTlsServerSession {
    state = TLS_SERVER_START
    outcome: TlsServerOutcome = { success: false, reason: "", msk: null, emsk: null, sessionId: null, peerCertificate: null }
    private readonly server: Server
    private readonly pipe: Duplex
    private socket: TLSSocket | null = null
    private written: Buffer[] = []
    private pendingOut: TlsFragment[] = []
    private readonly reassembly = new TlsReassembly(MAX_PEER_MESSAGE)
    /** The Identifier of the last request sent; Success and Failure carry the one of the response they answer. */
    private id: number
    private answered: number
    private secured = false
    private failed = ""

    constructor(
        credentials: TlsServerCredentials,
        firstId: number,
        /** TLS data per fragment (smaller for a link that carries less). */
        private readonly fragmentData = TLS_DATA_PER_FRAGMENT,
    ) {
        this.id = firstId & 0xff
        this.answered = this.id
        const self = this
        this.pipe = new Duplex({
            read() {},
            write(chunk: Buffer, _enc, done) {
                self.written.push(chunk)
                done()
            },
        })
        this.server = createServer({
            key: credentials.key,
            cert: credentials.cert,
            ca: credentials.ca,
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: "TLSv1.3",
            maxVersion: "TLSv1.3",
        })
        this.server.on("secureConnection", (s: TLSSocket) => {
            self.socket = s
            self.secured = true
        })
        this.server.on("tlsClientError", (e: Error, s: TLSSocket) => {
            // A client certificate refused: the verification's reason, not the closed socket's.
            const refused = s.authorizationError
            self.failed = refused ? "client certificate refused: " + String(refused) : ((e as Error & { reason?: string }).reason ?? e.message)
        })
        this.server.emit("connection", this.pipe)
    }

    /** The EAP-Request/EAP-TLS Start that opens the method. */
    start(): Buffer {
        return this.request({ flags: TLS_FLAG_START, messageLength: -1, data: Buffer.alloc(0) })
    }

    /** One EAP-Response from the peer in, the next EAP packet out (a Request, Success or Failure). */
    async handle(response: Buffer): Promise<Buffer> {
        if (this.state === TLS_SERVER_DONE) return this.fail("the exchange is over")
        let f: TlsFragment
        try {
            const p = decodeEap(response)
            if (p.code !== EAP_RESPONSE || p.id !== this.id) throw new FormatError("not the EAP-Response to request " + this.id)
            if (p.type !== EAP_TYPE_TLS) throw new FormatError("EAP type " + p.type + " where EAP-TLS was asked")
            f = decodeTlsFragment(p.data)
        } catch (e) {
            return this.fail(e instanceof FormatError ? e.message : "malformed EAP-TLS response")
        }
        this.answered = this.id
        this.id = (this.id + 1) & 0xff
        // Fragments of our flight still to go: this must be the peer's acknowledgement.
        if (this.pendingOut.length > 0) {
            if (!isTlsAck(f)) return this.fail("data where the acknowledgement of a fragment was due")
            return this.request(this.pendingOut.shift() as TlsFragment)
        }
        if (this.state === TLS_SERVER_CONFIRM || this.state === TLS_SERVER_REFUSING) {
            if (!isTlsAck(f)) return this.fail("data after the server's last flight")
            return this.state === TLS_SERVER_CONFIRM ? this.succeed() : this.fail(this.outcome.reason)
        }
        let message: Buffer | null
        try {
            message = this.reassembly.push(f)
        } catch (e) {
            return this.fail((e as Error).message)
        }
        // A fragment of the peer's flight: acknowledged with an EAP-TLS Request without data.
        if (message === null) return this.request({ flags: 0, messageLength: -1, data: Buffer.alloc(0) })
        if (message.length === 0) return this.fail("the peer sent nothing where TLS records were due")
        if (!wholeRecords(message)) return this.fail("TLS records cut short or overlong")
        this.state = TLS_SERVER_HANDSHAKE
        const flight = await this.exchange(message)
        if (this.failed !== "") {
            this.state = TLS_SERVER_REFUSING
            this.outcome.reason = "TLS: " + this.failed
            // The alert OpenSSL wrote goes to the peer; its answer ends the exchange with a Failure.
            if (flight.length === 0) return this.fail(this.outcome.reason)
            return this.send(flight)
        }
        if (this.secured && this.state !== TLS_SERVER_CONFIRM) {
            this.keys()
            this.state = TLS_SERVER_CONFIRM
            // The protected success indication after the tickets (RFC 9190 2.5).
            const more = await this.applicationData(Buffer.from([0]))
            return this.send(Buffer.concat([flight, more]))
        }
        if (flight.length === 0) return this.fail("TLS wrote nothing in answer")
        return this.send(flight)
    }

    /** Ends the TLS server (the exchange is over or abandoned). */
    close(): void {
        this.socket?.destroy()
        this.pipe.destroy()
        this.server.close()
    }

    /** The peer's records in; what OpenSSL writes in answer out, once it stops writing. */
    private async exchange(records: Buffer): Promise<Buffer> {
        this.pipe.push(records)
        return await this.drain()
    }

    private async applicationData(data: Buffer): Promise<Buffer> {
        ;(this.socket as TLSSocket).write(data)
        return await this.drain()
    }

    /** Waits until OpenSSL has answered: output came and stayed quiet, the handshake failed, or the time is up. */
    private async drain(): Promise<Buffer> {
        const started = Date.now()
        let seen = -1
        let quietTurns = 0
        while (Date.now() - started < FLIGHT_TIMEOUT_MS) {
            await new Promise<void>((r) => setImmediate(r))
            const n = this.written.length
            if (n === seen) quietTurns++
            else quietTurns = 0
            seen = n
            if ((n > 0 || this.failed !== "") && quietTurns >= 3) break
        }
        const out = Buffer.concat(this.written)
        this.written = []
        return out
    }

    private keys(): void {
        const s = this.socket as TLSSocket
        const material = s.exportKeyingMaterial(128, "EXPORTER_EAP_TLS_Key_Material", TYPE_CODE)
        this.outcome.msk = material.subarray(0, 64)
        this.outcome.emsk = material.subarray(64, 128)
        this.outcome.sessionId = Buffer.concat([TYPE_CODE, s.exportKeyingMaterial(64, "EXPORTER_EAP_TLS_Method-Id", TYPE_CODE)])
        this.outcome.peerCertificate = s.getPeerCertificate().raw ?? null
    }

    /** A flight of TLS records to the peer, fragmented; the first fragment now, the rest on acknowledgements. */
    private send(records: Buffer): Buffer {
        const parts = splitTlsMessage(records, this.fragmentData)
        this.pendingOut = parts.slice(1)
        return this.request(parts[0])
    }

    private request(f: TlsFragment): Buffer {
        return encodeEap({ code: EAP_REQUEST, id: this.id, type: EAP_TYPE_TLS, data: encodeTlsFragment(f) })
    }

    private succeed(): Buffer {
        this.state = TLS_SERVER_DONE
        this.outcome.success = true
        this.close()
        return encodeEap({ code: EAP_SUCCESS, id: this.answered, type: 0, data: Buffer.alloc(0) })
    }

    private fail(reason: string): Buffer {
        this.state = TLS_SERVER_DONE
        this.outcome.success = false
        if (this.outcome.reason === "") this.outcome.reason = reason
        this.outcome.msk = null
        this.outcome.emsk = null
        this.close()
        return encodeEap({ code: EAP_FAILURE, id: this.answered, type: 0, data: Buffer.alloc(0) })
    }
}

/** Whether `b` is a sequence of whole TLS records (type, version, 16-bit length, that many bytes). */
function wholeRecords(b: Buffer): boolean {
    let o = 0
    while (o + 5 <= b.length) o += 5 + b.readUInt16BE(o + 3)
    return o === b.length
}
