// The card's TLS 1.3 client for EAP-TLS (RFC 8446, RFC 9190): a full handshake with X25519,
// TLS_AES_128_GCM_SHA256, the server authenticated by an Ed25519 certificate from the CA the card
// trusts (its signature, its validity at the card's time, its name), and the card by its own
// certificate and an Ed25519 CertificateVerify made by the injected signer. Records in, records
// out: the EAP-TLS layer carries them. As a state machine:
//   START -> WAIT_SERVER_HELLO (ClientHello sent) -> WAIT_FLIGHT (handshake keys; the server's
//   EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished) ->
//   CONNECTED (the card's Certificate, CertificateVerify and Finished sent; application keys)
//   -> FAILED at the first TlsAlert, which says why and names the alert.
// Resumption (RFC 8446 2.2): with a ticket from an earlier connection, the ClientHello offers its
// PSK in psk_dhe_ke mode (a fresh X25519 exchange: forward secrecy) with its binder; a server
// that takes it sends EncryptedExtensions and Finished only (nothing to sign, nothing to verify
// with Ed25519), one that does not runs the full handshake. Each connection keeps the tickets the
// server sends, with their PSKs, each for one later connection: a ticket crosses the terminal in
// the clear, so one used twice would let it link two payments (RFC 8446 C.4).

import { concat, constantTimeEqual } from "../bytes"
import { FormatError } from "../format-error"
import { x25519, x25519PublicKey } from "../crypto/x25519"
import { ed25519Verify } from "../crypto/ed25519"
import { parseCardCertificate } from "../vending/x509-card-certificate"
import {
    ALERT_BAD_CERTIFICATE,
    ALERT_CERTIFICATE_EXPIRED,
    ALERT_DECRYPT_ERROR,
    ALERT_HANDSHAKE_FAILURE,
    ALERT_ILLEGAL_PARAMETER,
    ALERT_UNEXPECTED_MESSAGE,
    ALERT_UNKNOWN_CA,
    TlsAlert,
} from "./alert"
import { deriveSecret, earlySecret, exportKeyingMaterial, finishedVerifyData, HASH_LENGTH, handshakeSecret, hkdfExpandLabel, masterSecret, TlsHash, trafficKeys } from "./key-schedule"
import { CONTENT_ALERT, CONTENT_APPLICATION_DATA, CONTENT_CHANGE_CIPHER_SPEC, CONTENT_HANDSHAKE, plainRecord, readRecord, RecordProtection } from "./record-protection"
import {
    certificateMessage,
    certificateVerifyContent,
    certificateVerifyMessage,
    clientHello,
    expectType,
    handshakeMessage,
    HS_CERTIFICATE,
    HS_CERTIFICATE_REQUEST,
    HS_CERTIFICATE_VERIFY,
    HS_ENCRYPTED_EXTENSIONS,
    HS_FINISHED,
    HS_NEW_SESSION_TICKET,
    HS_SERVER_HELLO,
    parseCertificate,
    parseCertificateRequest,
    parseCertificateVerify,
    parseEncryptedExtensions,
    parseFinished,
    parseNewSessionTicket,
    parseServerHello,
    PSK_BINDERS_LENGTH,
    readHandshake,
    SIG_ED25519,
} from "./handshake-messages"

export const TLS_START = "START"
export const TLS_WAIT_SERVER_HELLO = "WAIT_SERVER_HELLO"
export const TLS_WAIT_FLIGHT = "WAIT_FLIGHT"
export const TLS_CONNECTED = "CONNECTED"
export const TLS_FAILED = "FAILED"

export interface TlsClientConfig {
    hash: TlsHash
    randomBytes: (n: number) => Buffer
    yieldSlice: () => Promise<void>
    /** The name the server's certificate must carry (its subject commonName). */
    serverName: string
    /** The 32-byte Ed25519 key of the CA the card trusts. */
    caPublicKey: Buffer
    /** The card's certificate DER, sent when the server asks for one. */
    certificate: Buffer
    /** Signs with the card's private key (the key never comes to this code). */
    sign: (message: Buffer) => Promise<Buffer>
    /** Seconds since 1970 on the card's clock, or -1 when it has none (validity then unchecked). */
    now: number
    /** A ticket from an earlier connection to offer, or none: a full handshake. */
    ticket?: TlsTicket | null
    /** A server certificate (DER) whose CA signature the card verified before: the same bytes again skip that verification (validity and name are still checked). */
    knownServerCertificate?: Buffer | null
}

/** A ticket the server sent (RFC 8446 4.6.1) and the PSK it stands for: what the card keeps to resume. */
export interface TlsTicket {
    ticket: Buffer
    psk: Buffer
    ageAdd: number
    lifetimeSeconds: number
    /** When it came, in seconds on the card's clock (-1: the card had no time). */
    receivedAt: number
}

export class TlsClient {
    state = TLS_START
    /** Why the handshake failed, "" while it has not. */
    failure = ""
    /** Application data received, in order. */
    received: Buffer[] = []
    /** Tickets the server sent. */
    tickets = 0
    /** The tickets of this connection, in order, each for one later connection. */
    newTickets: TlsTicket[] = []
    /** The server took the offered ticket: no certificates were exchanged. */
    resumed = false
    /** The server's certificate (DER) once its CA signature is verified. */
    verifiedServerCertificate: Buffer | null = null
    /** The offered ticket's PSK until the ServerHello says whether it was taken. */
    private psk: Buffer | null = null
    private resumptionMaster: Buffer = Buffer.alloc(0)
    private secret: Buffer = Buffer.alloc(0)
    private transcript: Buffer[] = []
    private inbox: Buffer = Buffer.alloc(0)
    private handshakeBytes: Buffer = Buffer.alloc(0)
    private reader: RecordProtection | null = null
    private writer: RecordProtection | null = null
    private clientHandshakeSecret: Buffer = Buffer.alloc(0)
    private serverHandshakeSecret: Buffer = Buffer.alloc(0)
    private master: Buffer = Buffer.alloc(0)
    private exporterMaster: Buffer = Buffer.alloc(0)
    /** The server certificate's key, once its Certificate is checked. */
    private serverKey: Buffer = Buffer.alloc(0)
    /** The server's CertificateVerify checked: only its Finished may follow. */
    private serverVerified = false
    private certificateContext: Buffer | null = null

    constructor(private readonly config: TlsClientConfig) {}

    private transcriptHash(): Buffer {
        return this.config.hash.sha256(this.transcript)
    }

    /** The ClientHello record. */
    async start(): Promise<Buffer> {
        const c = this.config
        this.secret = c.randomBytes(32)
        const t = c.ticket !== undefined ? c.ticket : null
        const timed = t !== null && c.now >= 0 && t.receivedAt >= 0
        const offered = t !== null && (!timed || c.now - t.receivedAt < t.lifetimeSeconds) ? t : null
        // The ticket's age in ms plus its age_add, modulo 2^32 (RFC 8446 4.2.11.1); 0 without a clock.
        let age = offered !== null ? offered.ageAdd + (timed ? (c.now - offered.receivedAt) * 1000 : 0) : 0
        while (age >= 4294967296) age -= 4294967296
        const hello = clientHello(c.randomBytes(32), await x25519PublicKey(this.secret, c.yieldSlice), c.serverName, offered !== null ? offered.ticket : null, age)
        if (offered !== null) {
            // The binder: a Finished under the PSK's binder key over the ClientHello without its binders.
            const binderKey = deriveSecret(c.hash, earlySecret(c.hash, offered.psk), "res binder", c.hash.sha256([]))
            hello.set(finishedVerifyData(c.hash, binderKey, c.hash.sha256([hello.slice(0, hello.length - PSK_BINDERS_LENGTH)])), hello.length - HASH_LENGTH)
            this.psk = offered.psk
        }
        this.transcript = [hello]
        this.state = TLS_WAIT_SERVER_HELLO
        return plainRecord(CONTENT_HANDSHAKE, hello)
    }

    /** Records from the server in (whole or in parts); the records to send back (maybe none). Throws TlsAlert. */
    async receive(bytes: Buffer): Promise<Buffer> {
        if (this.state === TLS_FAILED) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "the handshake has failed: " + this.failure)
        try {
            return await this.take(bytes)
        } catch (e) {
            this.state = TLS_FAILED
            this.secret = Buffer.alloc(0)
            const alert = e instanceof TlsAlert ? e : new TlsAlert(e instanceof FormatError ? ALERT_BAD_CERTIFICATE : ALERT_HANDSHAKE_FAILURE, (e as Error).message)
            this.failure = alert.message
            throw alert
        }
    }

    private async take(bytes: Buffer): Promise<Buffer> {
        this.inbox = concat([this.inbox, bytes])
        const out: Buffer[] = []
        let at = 0
        for (let r = readRecord(this.inbox, at); r !== null; r = readRecord(this.inbox, at)) {
            at = r.end
            // A change_cipher_spec of one byte 1 is there for middleboxes (RFC 8446 D.4): dropped.
            if (r.type === CONTENT_CHANGE_CIPHER_SPEC && r.fragment.length === 1 && r.fragment[0] === 1 && this.state === TLS_WAIT_FLIGHT) continue
            let type = r.type
            let content = r.fragment
            const reader = this.reader
            if (reader !== null) {
                const opened = await reader.open(r)
                type = opened.type
                content = opened.content
            } else if (type === CONTENT_APPLICATION_DATA) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "protected record before the ServerHello")
            if (type === CONTENT_ALERT) throw new TlsAlert(content.length === 2 ? content[1] : ALERT_UNEXPECTED_MESSAGE, "the server sent alert " + (content.length === 2 ? content[1] : -1))
            if (type === CONTENT_APPLICATION_DATA) {
                if (this.state !== TLS_CONNECTED) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "application data before the handshake ended")
                this.received.push(content)
                continue
            }
            if (type !== CONTENT_HANDSHAKE) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "record of type " + type)
            this.handshakeBytes = concat([this.handshakeBytes, content])
            const flight = await this.handshake()
            if (flight !== null) out.push(flight)
        }
        this.inbox = this.inbox.slice(at, this.inbox.length)
        return concat(out)
    }

    /** The whole handshake messages received so far, each handled in turn; the card's flight once the server's is complete. */
    private async handshake(): Promise<Buffer | null> {
        let flight: Buffer | null = null
        let at = 0
        for (let m = readHandshake(this.handshakeBytes, at); m !== null; m = readHandshake(this.handshakeBytes, at)) {
            at = m.end
            const s = this.state
            if (s === TLS_WAIT_SERVER_HELLO) await this.onServerHello(m.type, m.body, m.whole)
            else if (s === TLS_WAIT_FLIGHT) flight = await this.onFlight(m.type, m.body, m.whole)
            else if (s === TLS_CONNECTED) {
                expectType(m, HS_NEW_SESSION_TICKET, "NewSessionTicket")
                const t = parseNewSessionTicket(m.body)
                this.tickets++
                const psk = hkdfExpandLabel(this.config.hash, this.resumptionMaster, "resumption", t.nonce, HASH_LENGTH)
                this.newTickets.push({ ticket: t.ticket, psk: psk, ageAdd: t.ageAdd, lifetimeSeconds: t.lifetimeSeconds, receivedAt: this.config.now })
            } else throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "handshake message in state " + s)
        }
        this.handshakeBytes = this.handshakeBytes.slice(at, this.handshakeBytes.length)
        return flight
    }

    private async onServerHello(type: number, body: Buffer, whole: Buffer): Promise<void> {
        if (type !== HS_SERVER_HELLO) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "handshake message " + type + " where the ServerHello was due")
        // Handshake messages under new keys must not share a record with the ServerHello.
        if (this.handshakeBytes.length > whole.length) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "data after the ServerHello in its record")
        const c = this.config
        const psk = this.psk
        const hello = parseServerHello(body, psk !== null)
        if (hello.pskIdentity > 0) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "the server chose PSK " + hello.pskIdentity + "; the card offered one")
        this.resumed = hello.pskIdentity === 0
        this.psk = null
        const shared = await x25519(this.secret, hello.keyShare, c.yieldSlice)
        this.secret = Buffer.alloc(0)
        this.transcript.push(whole)
        const hs = handshakeSecret(c.hash, earlySecret(c.hash, this.resumed ? psk : null), shared)
        const th = this.transcriptHash()
        this.clientHandshakeSecret = deriveSecret(c.hash, hs, "c hs traffic", th)
        this.serverHandshakeSecret = deriveSecret(c.hash, hs, "s hs traffic", th)
        this.master = masterSecret(c.hash, hs)
        this.reader = new RecordProtection(trafficKeys(c.hash, this.serverHandshakeSecret), c.yieldSlice)
        this.writer = new RecordProtection(trafficKeys(c.hash, this.clientHandshakeSecret), c.yieldSlice)
        this.state = TLS_WAIT_FLIGHT
    }

    /** The server's flight, one message at a time: EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished. */
    private async onFlight(type: number, body: Buffer, whole: Buffer): Promise<Buffer | null> {
        const c = this.config
        const count = this.transcript.length
        if (count === 2) {
            if (type !== HS_ENCRYPTED_EXTENSIONS) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "handshake message " + type + " where EncryptedExtensions was due")
            parseEncryptedExtensions(body)
        } else if (type === HS_CERTIFICATE_REQUEST && !this.resumed && this.certificateContext === null && this.serverKey.length === 0) {
            this.certificateContext = parseCertificateRequest(body).context
        } else if (type === HS_CERTIFICATE && !this.resumed && this.serverKey.length === 0) {
            this.serverKey = await this.serverCertificate(body)
        } else if (type === HS_CERTIFICATE_VERIFY && this.serverKey.length > 0 && !this.serverVerified) {
            const cv = parseCertificateVerify(body)
            if (cv.algorithm !== SIG_ED25519) throw new TlsAlert(ALERT_ILLEGAL_PARAMETER, "server CertificateVerify with algorithm " + cv.algorithm)
            const content = certificateVerifyContent(true, this.transcriptHash())
            if (!(await ed25519Verify(this.serverKey, content, cv.signature, c.yieldSlice))) throw new TlsAlert(ALERT_DECRYPT_ERROR, "the server's CertificateVerify does not verify")
            this.serverVerified = true
        } else if (type === HS_FINISHED && (this.serverVerified || this.resumed)) {
            const expected = finishedVerifyData(c.hash, this.serverHandshakeSecret, this.transcriptHash())
            if (!constantTimeEqual(parseFinished(body), expected)) throw new TlsAlert(ALERT_DECRYPT_ERROR, "the server's Finished does not verify")
            this.transcript.push(whole)
            return await this.clientFlight()
        } else throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "handshake message " + type + " out of order")
        this.transcript.push(whole)
        return null
    }

    /** The server's certificate checked against the CA, the card's clock and the name; its public key. */
    private async serverCertificate(body: Buffer): Promise<Buffer> {
        const c = this.config
        const list = parseCertificate(body).certificates
        if (list.length === 0) throw new TlsAlert(ALERT_BAD_CERTIFICATE, "the server sent no certificate")
        const cert = parseCardCertificate(list[0])
        // The CA's signature is the handshake's costliest check: verified once per certificate.
        const known = c.knownServerCertificate !== undefined && c.knownServerCertificate !== null && constantTimeEqual(c.knownServerCertificate, list[0])
        if (!known && !(await ed25519Verify(c.caPublicKey, cert.tbs, cert.signature, c.yieldSlice))) throw new TlsAlert(ALERT_UNKNOWN_CA, "the server's certificate is not signed by the card's CA")
        this.verifiedServerCertificate = list[0]
        if (c.now >= 0 && (c.now < cert.notBefore || c.now > cert.notAfter)) throw new TlsAlert(ALERT_CERTIFICATE_EXPIRED, "the server's certificate is not valid now")
        if (cert.holder !== c.serverName) throw new TlsAlert(ALERT_BAD_CERTIFICATE, "the server's certificate names " + cert.holder + ", not " + c.serverName)
        return cert.publicKey
    }

    /** The card's Certificate and CertificateVerify when asked, and its Finished; then the application keys. */
    private async clientFlight(): Promise<Buffer> {
        const c = this.config
        const h = c.hash
        const toServerFinished = this.transcriptHash()
        const messages: Buffer[] = []
        const context = this.certificateContext
        if (context !== null) {
            const certificate = certificateMessage(context, c.certificate)
            this.transcript.push(certificate)
            const signature = await c.sign(certificateVerifyContent(false, this.transcriptHash()))
            const verify = certificateVerifyMessage(signature)
            this.transcript.push(verify)
            messages.push(certificate, verify)
        }
        const finished = handshakeMessage(HS_FINISHED, finishedVerifyData(h, this.clientHandshakeSecret, this.transcriptHash()))
        this.transcript.push(finished)
        messages.push(finished)
        const records = await (this.writer as RecordProtection).seal(CONTENT_HANDSHAKE, concat(messages))
        // Application traffic and the exporter hang on the transcript up to the server's Finished.
        this.reader = new RecordProtection(trafficKeys(h, deriveSecret(h, this.master, "s ap traffic", toServerFinished)), c.yieldSlice)
        this.writer = new RecordProtection(trafficKeys(h, deriveSecret(h, this.master, "c ap traffic", toServerFinished)), c.yieldSlice)
        this.exporterMaster = deriveSecret(h, this.master, "exp master", toServerFinished)
        // Tickets hang on the transcript up to the card's own Finished.
        this.resumptionMaster = deriveSecret(h, this.master, "res master", this.transcriptHash())
        // The handshake's messages leave memory before the tickets and the payment's result come.
        this.transcript = []
        this.master = Buffer.alloc(0)
        this.clientHandshakeSecret = Buffer.alloc(0)
        this.serverHandshakeSecret = Buffer.alloc(0)
        this.state = TLS_CONNECTED
        return records
    }

    /** The record of a fatal alert telling the server why (protected once there are keys). */
    async alert(code: number): Promise<Buffer> {
        const body = Buffer.alloc(2)
        body[0] = 2
        body[1] = code
        const writer = this.writer
        return writer !== null ? await writer.seal(CONTENT_ALERT, body) : plainRecord(CONTENT_ALERT, body)
    }

    /** Application data in a protected record. */
    async send(data: Buffer): Promise<Buffer> {
        if (this.state !== TLS_CONNECTED) throw new TlsAlert(ALERT_UNEXPECTED_MESSAGE, "no connection to send on")
        return await (this.writer as RecordProtection).seal(CONTENT_APPLICATION_DATA, data)
    }

    /** TLS-Exporter(label, context, length) of the connection (RFC 8446 7.5). */
    exporter(label: string, context: Buffer, length: number): Buffer {
        if (this.state !== TLS_CONNECTED) throw new TlsAlert(ALERT_HANDSHAKE_FAILURE, "no keys before the handshake ends")
        return exportKeyingMaterial(this.config.hash, this.exporterMaster, label, context, length)
    }
}
