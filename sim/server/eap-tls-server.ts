// The server's side of one EAP-TLS authentication with TLS 1.3 (RFC 5216 framing, RFC 9190):
// Node's TLS server (OpenSSL) handed a stream that carries the TLS records of the EAP-TLS
// fragments. It is a real tls.Server (`server.emit("connection", stream)`), not a bare TLSSocket,
// so a client certificate that does not chain to the CA ends the handshake with an alert.
// As a state machine:
//   START (EAP-TLS Start sent) -> HANDSHAKE (records both ways, fragments acknowledged) ->
//   [a payment: DECIDED (the handshake done, the payment the card confirmed with its Finished
//   decided and the result sealed after the tickets; the card's acknowledgement makes an
//   approval final, a decline ends with EAP-Failure)] -> CONFIRM (the protected success
//   indication, one 0x00 byte of application data, sent after the tickets or the acknowledgement)
//   -> DONE with EAP-Success; or -> REFUSING (TLS failed: what it
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
import { offeredTicket } from "./client-hello-ticket"
import { approved, encodeResult, type PaymentResult, RC_SYSTEM_MALFUNCTION } from "../../src/payment/result"
import { encodeTunnelMessage, readTunnelMessages, TUNNEL_ACK, TUNNEL_CONFIRM, TUNNEL_RESULT, type TunnelMessage } from "../../src/eap/tls-payment"

export const TLS_SERVER_START = "START"
export const TLS_SERVER_HANDSHAKE = "HANDSHAKE"
export const TLS_SERVER_DECIDED = "DECIDED"
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
    /** The cards' CRL (PEM), against which OpenSSL checks a full handshake's client certificate. */
    crl?: string
    /** A file holding the cards' CRL, kept current by the operator; the gateway reads it into `crl` (card-revocation.ts). */
    crlFile?: string
    /** 48 bytes that seal the tickets (RFC 5077 keys as OpenSSL takes them); shared by the sessions of one server, so any of them resumes another's. */
    ticketKeys?: Buffer
}

/** How long a ticket resumes: a day of payments, well inside TLS 1.3's seven days. */
export const TICKET_LIFETIME_S = 86_400

/** The tickets that resumed a connection: each resumes once, so a terminal that saw one in a ClientHello cannot link two payments by it. */
export interface TicketRegistry {
    /** Whether this ticket already resumed a connection. */
    used(ticket: Buffer): boolean
    /** This ticket has resumed a connection now. */
    spend(ticket: Buffer): void
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
    /** The card's certificate DER, once verified (on a resumed connection: the one the ticket carries). */
    peerCertificate: Buffer | null
    /** The connection resumed with a ticket. */
    resumed: boolean
    /** The decision on the payment, sealed to the card; null without a payment or before it. */
    result: PaymentResult | null
}

/** The payment this exchange carries (figure 7), decided inside the tunnel (figure 6). */
export interface TunnelPayment {
    /** The decision for the card that `peerCertificate` names, on the payment it confirmed (null: it confirmed none). */
    decide(peerCertificate: Buffer, confirmed: Buffer | null): Promise<PaymentResult>
    /** The card acknowledged the sealed result (true), or the exchange ended without it (false): an approval becomes final or is reversed. */
    finalize(acknowledged: boolean): Promise<void>
}

/** How many event-loop turns a tunnel message may take from its records to the socket's data. */
const MESSAGE_TURNS = 20

export interface TlsSessionOptions {
    /** The payment to decide in the tunnel; none for an authentication alone. */
    payment?: TunnelPayment | null
    /** Tickets already spent; none: any ticket OpenSSL opens resumes. */
    tickets?: TicketRegistry | null
    /** TLS data per fragment (smaller for a link that carries less). */
    fragmentData?: number
}

export class EapTlsServerSession {
    state = TLS_SERVER_START
    outcome: TlsServerOutcome = { success: false, reason: "", msk: null, emsk: null, sessionId: null, peerCertificate: null, resumed: false, result: null }
    private readonly server: Server
    private readonly pipe: Duplex
    private socket: TLSSocket | null = null
    private written: Buffer[] = []
    private pendingOut: TlsFragment[] = []
    private readonly reassembly = new TlsReassembly(MAX_PEER_MESSAGE)
    private readonly payment: TunnelPayment | null
    private readonly tickets: TicketRegistry | null
    private readonly fragmentData: number
    /** The Identifier of the last request sent; Success and Failure carry the one of the response they answer. */
    private id: number
    private answered: number
    private secured = false
    private failed = ""
    /** Application data from the card not yet read as tunnel messages. */
    private fromPeer = Buffer.alloc(0)
    /** The ticket the ClientHello offered, or null. */
    private ticket: Buffer | null = null
    /** An approval made final or reversed: finalize() is called once. */
    private finalized = false

    constructor(
        credentials: TlsServerCredentials,
        firstId: number,
        options: TlsSessionOptions = {},
    ) {
        this.payment = options.payment ?? null
        this.tickets = options.tickets ?? null
        this.fragmentData = options.fragmentData ?? TLS_DATA_PER_FRAGMENT
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
            ticketKeys: credentials.ticketKeys,
            crl: credentials.crl,
            sessionTimeout: TICKET_LIFETIME_S,
        })
        this.server.on("secureConnection", (s: TLSSocket) => {
            self.socket = s
            self.secured = true
            s.on("data", (d: Buffer) => {
                self.fromPeer = Buffer.concat([self.fromPeer, d])
            })
            // A protected record that does not open after the handshake (bad_record_mac).
            s.on("error", (e: Error) => {
                if (self.failed === "") self.failed = (e as Error & { reason?: string }).reason ?? e.message
            })
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

    /**
     * One EAP-Response from the peer in, the next EAP packet out (a Request, Success or Failure).
     * An exchange that fails after an approval was sealed, before the card acknowledged it,
     * reverses the approval.
     */
    async handle(response: Buffer): Promise<Buffer> {
        const out = await this.step(response)
        if (this.state === TLS_SERVER_DONE && !this.outcome.success) await this.finalize(false, "approval reversed: the card did not acknowledge it")
        return out
    }

    private async step(response: Buffer): Promise<Buffer> {
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
        if (this.state === TLS_SERVER_DECIDED) return await this.acknowledged(f)
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
        if (this.state === TLS_SERVER_START) {
            this.ticket = offeredTicket(message)
            if (this.ticket !== null && this.tickets !== null && this.tickets.used(this.ticket)) return this.fail("a ticket that already resumed a connection, offered again")
        }
        this.state = TLS_SERVER_HANDSHAKE
        const flight = await this.exchange(message)
        if (this.failed !== "") {
            this.state = TLS_SERVER_REFUSING
            this.outcome.reason = "TLS: " + this.failed
            // The alert OpenSSL wrote goes to the peer; its answer ends the exchange with a Failure.
            if (flight.length === 0) return this.fail(this.outcome.reason)
            return this.send(flight)
        }
        if (this.secured && this.payment !== null) {
            this.keys()
            const confirm = await this.awaitMessage()
            if (this.failed !== "") return this.fail("TLS: " + this.failed)
            const result = await this.decide(this.payment, confirm)
            this.outcome.result = result
            this.state = TLS_SERVER_DECIDED
            const sealed = await this.applicationData(encodeTunnelMessage(TUNNEL_RESULT, encodeResult(result)))
            return this.send(Buffer.concat([flight, sealed]))
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

    /** The decision on what the card confirmed with its Finished; a failing decision declines. */
    private async decide(payment: TunnelPayment, confirm: TunnelMessage | null): Promise<PaymentResult> {
        const confirmed = confirm !== null && confirm.type === TUNNEL_CONFIRM ? confirm.body : null
        try {
            return await payment.decide(this.outcome.peerCertificate ?? Buffer.alloc(0), confirmed)
        } catch (e) {
            return { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "the decision failed: " + (e as Error).message }
        }
    }

    /**
     * The card's answer to the sealed result: its acknowledgement makes an approval final and is
     * answered with the success indication; a decline ends with EAP-Failure. Anything else
     * reverses an approval.
     */
    private async acknowledged(f: TlsFragment): Promise<Buffer> {
        let message: Buffer | null
        try {
            message = this.reassembly.push(f)
        } catch (e) {
            return this.fail((e as Error).message)
        }
        if (message === null) return this.request({ flags: 0, messageLength: -1, data: Buffer.alloc(0) })
        if (message.length === 0 || !wholeRecords(message)) return this.fail("no acknowledgement of the result")
        // The acknowledgement is application data: OpenSSL answers it with nothing.
        this.pipe.push(message)
        const ack = await this.awaitMessage()
        const answer = Buffer.concat(this.written)
        this.written = []
        if (this.failed !== "" || ack === null || ack.type !== TUNNEL_ACK || ack.body.length !== 0) return this.fail(this.failed !== "" ? "TLS: " + this.failed : "no acknowledgement of the result")
        const result = this.outcome.result as PaymentResult
        await this.finalize(true, "")
        if (!approved(result)) return this.fail("declined " + result.responseCode + ": " + result.reason)
        this.state = TLS_SERVER_CONFIRM
        const more = await this.applicationData(Buffer.from([0]))
        return this.send(Buffer.concat([answer, more]))
    }

    /** The card's next tunnel message, once OpenSSL has read it from the records; null when none comes or it is garbage. */
    private async awaitMessage(): Promise<TunnelMessage | null> {
        try {
            for (let turn = 0; turn < MESSAGE_TURNS && this.failed === ""; turn++) {
                const m = this.nextMessage()
                if (m !== null) return m
                await new Promise<void>((r) => setImmediate(r))
            }
        } catch (e) {
            if (!(e instanceof FormatError)) throw e
        }
        return null
    }

    /** The next whole tunnel message from the card, or null; FormatError on garbage. */
    private nextMessage(): TunnelMessage | null {
        const read = readTunnelMessages(this.fromPeer)
        if (read.messages.length === 0) return null
        const first = read.messages[0]
        this.fromPeer = this.fromPeer.subarray(3 + first.body.length)
        return first
    }

    /** An approval made final (acknowledged) or reversed, once; a decline has nothing to finalize. */
    private async finalize(acknowledged: boolean, reversal: string): Promise<void> {
        const payment = this.payment
        const r = this.outcome.result
        if (payment === null || this.finalized || r === null || !approved(r)) return
        this.finalized = true
        await payment.finalize(acknowledged)
        if (!acknowledged) this.outcome.result = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: reversal }
    }

    /** The exchange stopped (timeout, card removed, inquiry): an approval not acknowledged is reversed. */
    async abandon(): Promise<void> {
        await this.finalize(false, "approval reversed: the exchange was abandoned")
        if (this.state !== TLS_SERVER_DONE) this.fail("the exchange was abandoned")
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
            // After the peer's Finished OpenSSL may write nothing (a resumption gets no tickets).
            if ((n > 0 || this.failed !== "" || this.secured) && quietTurns >= 3) break
        }
        const out = Buffer.concat(this.written)
        this.written = []
        return out
    }

    private keys(): void {
        const s = this.socket as TLSSocket
        this.outcome.resumed = s.isSessionReused()
        if (this.outcome.resumed && this.ticket !== null && this.tickets !== null) this.tickets.spend(this.ticket)
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
