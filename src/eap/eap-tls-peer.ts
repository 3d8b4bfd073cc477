// The card's side of EAP-TLS (RFC 5216 framing, RFC 9190 for TLS 1.3) over its TLS client
// (src/tls/tls-client.ts), as a state machine:
//   IDLE -> HANDSHAKE (the Start answered with the ClientHello; fragments both ways, each
//   acknowledged) -> [a payment: DECIDING (the displayed payment confirmed in the tunnel with the
//   card's Finished) -> ACKNOWLEDGED (the server's sealed result read and acknowledged)] ->
//   CONFIRMED (the server's protected success indication, one 0x00 byte of application data,
//   received and acknowledged) -> DONE on EAP-Success, with the MSK and EMSK from the exporter;
//   FAILED on EAP-Failure (a declined payment: after its result), on a TlsAlert (the alert goes
//   to the server), or on an EAP-Success that comes before the success indication.
// The tunnel's messages are in tls-payment.ts.

import { decodeEap, EAP_FAILURE, EAP_REQUEST, EAP_RESPONSE, EAP_SUCCESS, EAP_TYPE_IDENTITY, EAP_TYPE_NAK, encodeEap, MAX_EAP_LENGTH } from "./eap-packet"
import { decodeTlsFragment, EAP_TYPE_TLS, encodeTlsFragment, isTlsAck, splitTlsMessage, TLS_FLAG_START, TlsFragment, TlsReassembly } from "./eap-tls-fragments"
import { FormatError } from "../format-error"
import { concat, fromUtf8 } from "../bytes"
import { TlsAlert } from "../tls/alert"
import { TLS_CONNECTED, TlsClient } from "../tls/tls-client"
import { approved, decodeResult, PaymentResult } from "../payment/result"
import { encodeTunnelMessage, readTunnelMessages, TUNNEL_ACK, TUNNEL_CONFIRM, TUNNEL_RESULT } from "./tls-payment"

export const PEER_IDLE = "IDLE"
export const PEER_HANDSHAKE = "HANDSHAKE"
export const PEER_DECIDING = "DECIDING"
export const PEER_ACKNOWLEDGED = "ACKNOWLEDGED"
export const PEER_CONFIRMED = "CONFIRMED"
export const PEER_DONE = "DONE"
export const PEER_FAILED = "FAILED"

/** TLS data per fragment the card sends: an EAP packet of MAX_EAP_LENGTH. */
const FRAGMENT_DATA = MAX_EAP_LENGTH - 10
/** The longest TLS message the card takes from the server. */
const MAX_SERVER_MESSAGE = 8192

export class EapTlsPeer {
    state = PEER_IDLE
    /** Why it failed, "" otherwise. */
    failure = ""
    msk: Buffer | null = null
    emsk: Buffer | null = null
    /** The server's decision on the payment, read from the tunnel; null before it, or with no payment. */
    result: PaymentResult | null = null
    /** The TLS connection of this exchange once the Start came: whether it resumed, the ticket for the next one. */
    tls: TlsClient | null = null
    private pendingOut: TlsFragment[] = []
    /** The TLS client's answers to the fragments of the server's message under way. */
    private flight: Buffer[] = []
    /** The alert the TLS client raised during the server's message under way. */
    private alert: TlsAlert | null = null
    private readonly reassembly = new TlsReassembly(MAX_SERVER_MESSAGE)

    constructor(
        /** A TLS client for one authentication. */
        private readonly newClient: () => TlsClient,
        /** The EAP identity (an anonymous NAI: the certificate says who the card is). */
        private readonly identity: string,
        /** The payment the card displayed (payment.ts encoding), confirmed in the tunnel; null for an authentication alone. */
        private readonly payment: Buffer | null = null,
        private readonly fragmentData = FRAGMENT_DATA,
    ) {}

    /** One EAP packet from the server; the Response to send, or null (Success, Failure, or nothing to answer). */
    async handle(packet: Buffer): Promise<Buffer | null> {
        const p = decodeEap(packet)
        if (p.code === EAP_SUCCESS) {
            if (this.state !== PEER_CONFIRMED) return this.fail("EAP-Success before the protected success indication")
            if (this.payment !== null && (this.result === null || !approved(this.result))) return this.fail("EAP-Success for a payment not approved in the tunnel")
            const client = this.tls as TlsClient
            const material = client.exporter("EXPORTER_EAP_TLS_Key_Material", Buffer.from([EAP_TYPE_TLS]), 128)
            this.msk = material.slice(0, 64)
            this.emsk = material.slice(64, 128)
            this.state = PEER_DONE
            return null
        }
        if (p.code === EAP_FAILURE) return this.fail(this.result !== null ? "declined: " + this.result.reason : "EAP-Failure from the server")
        if (p.code !== EAP_REQUEST) return null
        const answer = (f: TlsFragment) => encodeEap({ code: EAP_RESPONSE, id: p.id, type: EAP_TYPE_TLS, data: encodeTlsFragment(f) })
        if (p.type === EAP_TYPE_IDENTITY) return encodeEap({ code: EAP_RESPONSE, id: p.id, type: EAP_TYPE_IDENTITY, data: fromUtf8(this.identity) })
        if (p.type !== EAP_TYPE_TLS) return encodeEap({ code: EAP_RESPONSE, id: p.id, type: EAP_TYPE_NAK, data: Buffer.from([EAP_TYPE_TLS]) })
        if (this.state === PEER_DONE || this.state === PEER_FAILED) return null
        const f = decodeTlsFragment(p.data)
        if ((f.flags & TLS_FLAG_START) !== 0) {
            if (this.state !== PEER_IDLE) return this.fail("EAP-TLS Start in the middle of the exchange")
            const client = this.newClient()
            this.tls = client
            this.state = PEER_HANDSHAKE
            return answer(this.first(await client.start()))
        }
        if (this.tls === null) return this.fail("EAP-TLS before its Start")
        if (this.pendingOut.length > 0) {
            if (!isTlsAck(f)) return this.fail("data where the acknowledgement of a fragment was due")
            return answer(this.pendingOut.shift() as TlsFragment)
        }
        let complete: boolean
        try {
            complete = this.reassembly.accept(f)
        } catch (e) {
            if (e instanceof FormatError) return this.fail(e.message)
            throw e
        }
        // Each fragment's data goes to the TLS client as it comes, so the work on a flight (the
        // shared secret, each signature) spreads over the acknowledgements instead of one answer,
        // which the terminal's reader waits 1 s for. An alert waits for the message's end, where
        // the server expects the card's answer.
        const client = this.tls as TlsClient
        if (this.alert === null) {
            try {
                this.flight.push(await client.receive(f.data))
            } catch (e) {
                if (!(e instanceof TlsAlert)) throw e
                this.alert = e
            }
        }
        const ack: TlsFragment = { flags: 0, messageLength: -1, data: Buffer.alloc(0) }
        if (!complete) return answer(ack)
        const alert = this.alert
        if (alert !== null) {
            this.fail("TLS: " + alert.message)
            // The alert goes to the server, which ends the exchange with EAP-Failure.
            return answer(this.first(await client.alert(alert.alert)))
        }
        let out = concat(this.flight)
        this.flight = []
        if (client.state === TLS_CONNECTED && this.state === PEER_HANDSHAKE && this.payment !== null) {
            // With the Finished: the payment the holder saw, which the server decides on.
            out = concat([out, await client.send(encodeTunnelMessage(TUNNEL_CONFIRM, this.payment))])
            this.state = PEER_DECIDING
        }
        if (client.state === TLS_CONNECTED && client.received.length > 0) {
            const data = concat(client.received)
            client.received = []
            if (data.length === 1 && data[0] === 0) {
                if (this.state !== PEER_HANDSHAKE && this.state !== PEER_ACKNOWLEDGED) return this.fail("the success indication before the payment's result")
                this.state = PEER_CONFIRMED
            } else {
                if (this.state !== PEER_DECIDING) return this.fail("application data other than the protected success indication")
                try {
                    const read = readTunnelMessages(data)
                    if (read.messages.length !== 1 || read.rest.length !== 0 || read.messages[0].type !== TUNNEL_RESULT) throw new FormatError("not one payment result")
                    this.result = decodeResult(read.messages[0].body)
                } catch (e) {
                    if (e instanceof FormatError) return this.fail("tunnel: " + e.message)
                    throw e
                }
                out = concat([out, await client.send(encodeTunnelMessage(TUNNEL_ACK, Buffer.alloc(0)))])
                this.state = PEER_ACKNOWLEDGED
            }
        }
        return answer(out.length > 0 ? this.first(out) : ack)
    }

    private first(records: Buffer): TlsFragment {
        const parts = splitTlsMessage(records, this.fragmentData)
        this.pendingOut = parts.slice(1)
        return parts[0]
    }

    private fail(why: string): null {
        this.state = PEER_FAILED
        if (this.failure === "") this.failure = why
        return null
    }
}
