// Between RADIUS and the EAP server sessions (EAP-AKA'/AKA, and EAP-TLS when the server has a
// certificate: eap-tls-server.ts, chosen per card by its identity or its Nak): one session per
// authentication, found again through the RADIUS State attribute, with the terminal's payment
// stored before authentication starts (figure 7) and abandoned sessions reversed after a timeout.
// What one terminal can hold is bounded: at most `maxPaymentsPerTerminal` exchanges with a payment
// at once per RADIUS client (counted by address, which its shared secret authenticates; a first request
// beyond that is rejected, nothing stored), and a pending payment is removed when its exchange
// ends undecided, or by the periodic sweep once older than twice the session timeout.
//
// Where sessions live between requests depends on the storage (ServerStorage.sessions):
// - in this process's memory when one server owns the database (SQLite);
// - in the database when several processes share it (PostgreSQL): each step is stored, committed,
//   before its answer leaves, so the next request may reach any process, which restores the
//   session from there. A step computed from a version another process has already replaced or
//   removed (a retransmission that reached two processes, an inquiry), the last step included,
//   is not answered (SessionSuperseded: the RADIUS server drops the request, and a retransmission
//   is answered afresh from the stored session).
//   An approval left provisional by an abandoned exchange is reversed by the sweep once the
//   exchange's session is gone (ended or expired) and the approval is older than the session
//   timeout: a process never reverses an exchange that another live process may still continue.
//
// A status inquiry (src/radius/inquiry.ts) ends the asking terminal's exchange of that transaction
// if it is still open, then answers from the ledger. In memory, it lets a step in progress finish
// first. In the database, it removes each session row of the transaction at the version it read,
// so that a step another process is computing finds its row replaced and answers nothing; an
// unacknowledged approval is reversed once, and one left provisional with no session row anywhere
// (its process killed mid-exchange) is reversed at once by the sweep's rule, without the wait.

import { nodeRandomBytes as randomBytes } from "../node-platform"
import { AkaServerSession, SERVER_CHALLENGE, SERVER_IDENTITY, ServerOptions } from "../../src/eap/aka-server"
import { decodeEap, EAP_FAILURE, EAP_REQUEST, EAP_RESPONSE, EAP_SUCCESS, EAP_TYPE_IDENTITY, EAP_TYPE_NAK } from "../../src/eap/eap-packet"
import { EAP_TYPE_TLS } from "../../src/eap/eap-tls-fragments"
import { parseIdentity } from "../../src/eap/aka-identity"
import { createHash, X509Certificate } from "node:crypto"
import { CardRevocation } from "./card-revocation"
import { EapTlsServerSession, TICKET_LIFETIME_S, type TicketRegistry, type TlsServerCredentials, type TunnelPayment } from "./eap-tls-server"
import { encodePayment, Payment, paymentMismatch } from "../../src/payment/payment"
import { PaymentResult, RC_DO_NOT_HONOR, RC_INVALID_CARD, RC_INVALID_TRANSACTION } from "../../src/payment/result"
import type { AkaPlatform } from "../../src/eap/aka-crypto"
import type { SessionTable } from "../db/storage"
import type { LedgerPorts } from "./ledger-ports"
import { decodeSnapshot, encodeSnapshot } from "./session-codec"

export interface GatewayRequest {
    /** The EAP packet from the card, or null for an EAP-Start (an empty EAP-Message, RFC 3579 3.1). */
    eap: Buffer | null
    /** The State of the previous Access-Challenge, or null on the first request. */
    state: Buffer | null
    /** The payment the terminal announces (Vendor-Specific attributes), first request only. */
    payment: Payment | null
    terminalId: string
    /** The RADIUS client's address: what its shared secret authenticates (the terminal ID is only claimed). */
    client: string
}

export interface GatewayReply {
    kind: "challenge" | "accept" | "reject"
    eap: Buffer
    state: Buffer | null
    result: PaymentResult | null
    /** Why, for the terminal's display and the log (never secret). */
    reason: string
}

interface Session {
    aka: AkaServerSession
    /** The EAP-TLS session once the method is EAP-TLS, else null. It lives in this process's memory only. */
    tls: EapTlsServerSession | null
    expires: number
    client: string
    payment: Payment | null
    /** The stored version this copy continues from (sessions in the database); -1 when not stored. */
    version: number
    /** The step being handled, if any (sessions in memory: an inquiry lets it finish before ending the exchange). */
    busy: Promise<Buffer> | null
}

/** What a status inquiry learns: the ledger's final decision, not final yet, or no record for this terminal. */
export interface InquiryAnswer {
    kind: "final" | "in-progress" | "unknown"
    result: PaymentResult | null
}

export const DEFAULT_MAX_PAYMENTS_PER_TERMINAL = 1000

/** Rounds an inquiry makes to remove the session rows of its transaction while other processes keep replacing them. */
const INQUIRY_ROUNDS = 5

/** Another process stored this step of the session first: this request gets no answer from here. */
export class SessionSuperseded extends Error {
    constructor() {
        super("the session was continued by another server process")
        this.name = "SessionSuperseded"
    }
}

export class EapGateway {
    /** Sessions in memory (when the storage keeps none). */
    private readonly sessions = new Map<string, Session>()
    /** Exchanges carrying a payment, per RADIUS client address (sessions in memory). */
    private readonly paymentsOf = new Map<string, number>()
    /** The session of each transaction ID in progress (hex), by its key (sessions in memory). */
    private readonly sessionOfTx = new Map<string, string>()
    private readonly timer: NodeJS.Timeout
    /** Sessions in the database (several processes on one database), or null. */
    private readonly shared: SessionTable | null
    private readonly tls: TlsServerCredentials | null
    private readonly revocation: CardRevocation
    /** Tickets that resumed a connection (SHA-256, hex) and when they expire: each resumes once. */
    private readonly spentTickets = new Map<string, number>()
    private readonly tickets: TicketRegistry = {
        used: (ticket: Buffer) => this.spentTickets.has(ticketKey(ticket)),
        spend: (ticket: Buffer) => void this.spentTickets.set(ticketKey(ticket), Date.now() + TICKET_LIFETIME_S * 1000),
    }

    constructor(
        private readonly ports: LedgerPorts,
        private readonly platform: AkaPlatform,
        private readonly options: ServerOptions,
        private readonly sessionTimeoutMs = 30_000,
        private readonly maxPaymentsPerTerminal = DEFAULT_MAX_PAYMENTS_PER_TERMINAL,
        /** The server's certificate and key and the cards' CA: EAP-TLS is offered; null: not. */
        tls: TlsServerCredentials | null = null,
    ) {
        this.shared = ports.sessionTable
        // One ticket key for all of this process's sessions: a ticket from one resumes in another.
        this.tls = tls !== null ? { ...tls, ticketKeys: tls.ticketKeys ?? randomBytes(48) } : null
        this.revocation = new CardRevocation(tls?.crlFile ?? null)
        // A sweep that fails (the database unreachable) is logged by the ports and tried again at the next tick.
        this.timer = setInterval(() => void this.sweep().catch(() => {}), Math.min(5_000, sessionTimeoutMs)).unref()
    }

    /** Sessions in this process's memory (0 when they live in the database). */
    get activeSessions(): number {
        return this.sessions.size
    }

    /** The answer to one request; throws (no answer: the terminal retransmits) when the storage fails or the step was superseded. */
    async handle(req: GatewayRequest): Promise<GatewayReply> {
        if (req.state === null) return await this.begin(req)
        const key = req.state.toString("hex")
        // EAP-TLS sessions stay in memory whatever the storage: a TLS connection has no snapshot.
        const s = this.sessions.get(key) ?? (this.shared !== null ? await this.load(key) : undefined)
        if (!s) return this.reject(null, "unknown or expired session")
        if (req.eap === null) return this.reject(null, "EAP-Start inside a session")
        s.expires = Date.now() + this.sessionTimeoutMs
        const out = await this.step(s, req.eap)
        return await this.reply(key, s, out)
    }

    /** A session stored in the database, restored to continue here. */
    private async load(key: string): Promise<Session | null> {
        if (!/^[0-9a-f]{32}$/.test(key) || this.shared === null) return null
        const row = await this.shared.load(key, Date.now())
        if (row === null) return null
        return this.restore(row.snapshot, row.expiresAt, row.client, row.txid !== null, row.version)
    }

    private restore(snapshot: string, expires: number, client: string, withPayment: boolean, version: number): Session {
        const aka = AkaServerSession.restore(this.ports, this.platform, this.options, decodeSnapshot(snapshot))
        return { aka, tls: null, expires, client, payment: withPayment ? aka.payment : null, version, busy: null }
    }

    private async step(s: Session, eap: Buffer): Promise<Buffer> {
        const work = this.method(s, eap)
        s.busy = work
        try {
            return await work
        } finally {
            if (s.busy === work) s.busy = null
        }
    }

    /** The session's method answers: EAP-TLS once chosen, else EAP-AKA/AKA' unless this response chooses EAP-TLS. */
    private async method(s: Session, eap: Buffer): Promise<Buffer> {
        if (s.tls !== null) return await s.tls.handle(eap)
        const start = this.tlsInstead(s, eap)
        return start !== null ? start : await s.aka.handle(eap)
    }

    /**
     * EAP-TLS in place of EAP-AKA/AKA' when the server offers it and the peer's answer asks for it:
     * an identity that follows no AKA convention (aka-identity.ts), or a Nak (RFC 3748 5.3.1) that
     * lists EAP-TLS. Its Start, or null to let the AKA session answer. A payment is decided inside
     * the tunnel, for the card its certificate names.
     */
    private tlsInstead(s: Session, eap: Buffer): Buffer | null {
        const credentials = this.tls
        // Before the peer has answered an AKA message: the AKA session asks its identity or sent its first Challenge.
        if (credentials === null || (s.aka.state !== SERVER_IDENTITY && s.aka.state !== SERVER_CHALLENGE)) return null
        let type = 0
        let data: Buffer
        let id = 0
        try {
            const p = decodeEap(eap)
            if (p.code !== EAP_RESPONSE) return null
            type = p.type
            data = p.data
            id = p.id
        } catch {
            return null
        }
        const asked = type === EAP_TYPE_IDENTITY ? s.aka.state === SERVER_IDENTITY && parseIdentity(data.toString("utf8")) === null : type === EAP_TYPE_NAK && data.includes(EAP_TYPE_TLS)
        if (!asked) return null
        let crl: string | undefined
        let unreadable = ""
        try {
            crl = this.revocation.pem()
        } catch (e) {
            unreadable = "the cards' CRL cannot be read: " + (e as Error).message
        }
        s.tls = new EapTlsServerSession({ ...credentials, crl }, (id + 1) & 0xff, { payment: s.payment !== null ? this.tunnelPayment(s.payment) : null, tickets: this.tickets })
        if (unreadable === "") return s.tls.start()
        // Without the status of the cards' certificates no card authenticates.
        s.tls.outcome.reason = unreadable
        s.tls.close()
        return Buffer.from([EAP_FAILURE, id, 0, 4])
    }

    /**
     * The payment decided inside the EAP-TLS tunnel: for the card the verified certificate names
     * (its subject's serialNumber), on the payment it confirmed there, by the same rules and ledger
     * as over EAP-AKA.
     */
    private tunnelPayment(payment: Payment): TunnelPayment {
        const ports = this.ports
        let cardId = ""
        return {
            decide: async (certificate: Buffer, confirmed: Buffer | null): Promise<PaymentResult> => {
                cardId = cardIdOfCertificate(certificate)
                if (cardId === "") return { responseCode: RC_INVALID_CARD, approvalNumber: "", reason: "the card's certificate names no card" }
                // A resumed connection's certificate was checked when its ticket was issued: check it again now.
                const refusal = this.revocation.refusal(certificate)
                if (refusal !== "") return { responseCode: RC_INVALID_CARD, approvalNumber: "", reason: refusal }
                if (paymentMismatch(confirmed ?? undefined, encodePayment(payment)) !== "") return { responseCode: RC_INVALID_TRANSACTION, approvalNumber: "", reason: "the card did not confirm this payment" }
                return await ports.decide(cardId, payment)
            },
            finalize: async (acknowledged: boolean): Promise<void> => {
                if (cardId !== "") await ports.finalize(cardId, payment, acknowledged)
            },
        }
    }

    /**
     * A status inquiry from the RADIUS client at `client` about a transaction. The terminal relays
     * nothing more for it, so an exchange of it still open (started by the same client for a
     * payment of its terminal) is ended first: an approval the card has not acknowledged is
     * reversed. Then the ledger answers; a record of another terminal is answered as no record.
     */
    async inquire(transactionId: Buffer, client: string): Promise<InquiryAnswer> {
        const terminalId = this.ports.terminalOf(client)
        if (terminalId === null) return { kind: "unknown", result: null }
        if (this.shared !== null) await this.endShared(this.shared, transactionId, client, terminalId)
        // In memory: every session without a database, the EAP-TLS sessions with one.
        await this.endInMemory(transactionId, client, terminalId)
        let r = await this.ports.outcome(transactionId)
        if (r === null || r.terminalId !== terminalId) return { kind: "unknown", result: null }
        if (r.state === "provisional" && this.shared !== null && (await this.ports.reverseAbandonedPayment(transactionId)) > 0) {
            r = await this.ports.outcome(transactionId)
            if (r === null) return { kind: "unknown", result: null }
        }
        if (r.state === "provisional") return { kind: "in-progress", result: null }
        return { kind: "final", result: r.result }
    }

    /** Sessions in memory: the transaction's exchange ended here, once a step in progress has finished. */
    private async endInMemory(transactionId: Buffer, client: string, terminalId: string): Promise<void> {
        const key = this.sessionOfTx.get(transactionId.toString("hex"))
        const s = key !== undefined ? this.sessions.get(key) : undefined
        if (key === undefined || !s || s.client !== client || s.payment === null || s.payment.terminalId !== terminalId) return
        if (s.busy) await s.busy.catch(() => undefined)
        if (this.sessions.get(key) !== s) return
        await this.end(key, s)
        await this.abandon(s)
    }

    /**
     * Sessions in the database: every row of the transaction's exchange (a retransmitted first
     * request may have begun two) is removed at the version read, then abandoned. A row replaced
     * meanwhile (a step stored by another process) is read again; the process whose step lost its
     * row answers nothing, so only this inquiry speaks for the exchange.
     */
    private async endShared(table: SessionTable, transactionId: Buffer, client: string, terminalId: string): Promise<void> {
        const txid = transactionId.toString("hex")
        for (let round = 0; round < INQUIRY_ROUNDS; round++) {
            let replaced = false
            for (const row of await table.ofTransaction(txid)) {
                if (row.client !== client) continue
                const s = this.restore(row.snapshot, row.expiresAt, row.client, true, row.version)
                if (s.payment === null || s.payment.terminalId !== terminalId) continue
                if (!(await table.removeAt(row.key, row.version))) {
                    replaced = true
                    continue
                }
                if (s.aka.outcome.result === null) this.ports.dropPending(s.payment)
                await s.aka.abandon()
            }
            if (!replaced) return
        }
    }

    private async begin(req: GatewayRequest): Promise<GatewayReply> {
        const isIdentity = req.eap !== null && req.eap.length >= 5 && req.eap[0] === EAP_RESPONSE && req.eap[4] === EAP_TYPE_IDENTITY
        if (req.eap !== null && !isIdentity) return this.reject(null, "the first EAP message must be EAP-Start or EAP-Response/Identity")
        if (req.payment !== null) {
            if (this.shared === null) {
                const held = this.paymentsOf.get(req.client) ?? 0
                if (held >= this.maxPaymentsPerTerminal) return this.reject(null, "too many payments in progress for this terminal")
                this.paymentsOf.set(req.client, held + 1)
            }
            this.ports.storePending(req.payment, req.terminalId)
        }
        const firstId = req.eap === null ? randomBytes(1)[0] : req.eap[1]
        const aka = new AkaServerSession(this.ports, this.platform, this.options, req.payment, firstId)
        const key = randomBytes(16).toString("hex")
        const s: Session = { aka, tls: null, expires: Date.now() + this.sessionTimeoutMs, client: req.client, payment: req.payment, version: -1, busy: null }
        if (this.shared === null) {
            this.sessions.set(key, s)
            if (req.payment !== null) this.sessionOfTx.set(req.payment.transactionId.toString("hex"), key)
        }
        const out = req.eap === null ? aka.identityRequest() : await this.step(s, req.eap)
        if (this.shared !== null && s.tls === null && out[0] === EAP_REQUEST) {
            const row = { key, client: req.client, txid: req.payment === null ? null : req.payment.transactionId.toString("hex"), snapshot: encodeSnapshot(aka.snapshot()), version: 0, expiresAt: s.expires }
            if (!(await this.shared.insert(row, this.maxPaymentsPerTerminal))) {
                if (req.payment !== null) this.ports.dropPending(req.payment)
                return this.reject(null, "too many payments in progress for this terminal")
            }
            return { kind: "challenge", eap: out, state: Buffer.from(key, "hex"), result: null, reason: "" }
        }
        return await this.reply(key, s, out)
    }

    /**
     * Forgets a session; its pending payment goes too when the exchange ended undecided. False when
     * the exchange was no longer this copy's to end: ended already (an inquiry, the sweep) or, in
     * the database, continued or ended by another process (the stored version is not this copy's).
     */
    private async end(key: string, s: Session): Promise<boolean> {
        // Turned to EAP-TLS at its last step (a refused payment): still in the database.
        if (s.tls !== null && this.shared !== null && this.sessions.get(key) !== s) return s.version < 0 || (await this.shared.removeAt(key, s.version))
        if (this.shared !== null && s.tls === null) {
            if (s.version >= 0 && !(await this.shared.removeAt(key, s.version))) return false
        } else {
            if (this.sessions.get(key) !== s) return false
            this.sessions.delete(key)
            if (s.payment !== null) {
                const tx = s.payment.transactionId.toString("hex")
                if (this.sessionOfTx.get(tx) === key) this.sessionOfTx.delete(tx)
                const held = (this.paymentsOf.get(s.client) ?? 1) - 1
                if (held > 0) this.paymentsOf.set(s.client, held)
                else this.paymentsOf.delete(s.client)
            }
        }
        if (s.payment !== null && resultOf(s) === null) this.ports.dropPending(s.payment)
        return true
    }

    private async reply(key: string, s: Session, eap: Buffer): Promise<GatewayReply> {
        const o = s.tls !== null ? { result: s.tls.outcome.result ?? (s.payment !== null && eap[0] === EAP_FAILURE ? tlsRefusal(s.tls.outcome.reason) : null), failure: s.tls.outcome.reason } : s.aka.outcome
        if (eap[0] === EAP_REQUEST) {
            if (s.tls !== null) {
                // A session that turned to EAP-TLS leaves the database for this process's memory.
                if (this.sessions.get(key) !== s) {
                    this.sessions.set(key, s)
                    if (s.payment !== null) this.sessionOfTx.set(s.payment.transactionId.toString("hex"), key)
                    if (this.shared !== null && s.version >= 0) await this.shared.removeAt(key, s.version)
                }
            }
            // Stored before it is answered: the next request may reach another process.
            else if (this.shared !== null && !(await this.shared.update(key, s.version, encodeSnapshot(s.aka.snapshot()), s.expires))) throw new SessionSuperseded()
            return { kind: "challenge", eap, state: Buffer.from(key, "hex"), result: null, reason: "" }
        }
        // The last step answers only if its session was still the one it continued: otherwise an
        // inquiry (or another process) has ended the exchange and answered for it.
        if (!(await this.end(key, s))) throw new SessionSuperseded()
        if (eap[0] === EAP_SUCCESS) return { kind: "accept", eap, state: null, result: o.result, reason: o.result ? o.result.reason : "authenticated" }
        return { kind: "reject", eap, state: null, result: o.result, reason: o.failure }
    }

    private reject(result: PaymentResult | null, reason: string): GatewayReply {
        return { kind: "reject", eap: Buffer.from([EAP_FAILURE, 0, 0, 4]), state: null, result, reason }
    }

    /**
     * Abandons sessions past their timeout (an approval the card never acknowledged is reversed),
     * and removes pending payments older than twice the session timeout. Sessions in the database:
     * removes the expired ones, then reverses the approvals that no session continues any more
     * (older than the session timeout), whichever process began them.
     */
    async sweep(now = Date.now()): Promise<number> {
        let n = 0
        if (this.shared !== null) n = await this.ports.abandonShared(now, this.sessionTimeoutMs)
        // In memory: every session without a database, the EAP-TLS sessions with one.
        for (const [key, s] of this.sessions) {
            if (s.expires > now) continue
            await this.end(key, s)
            await this.abandon(s)
            n++
        }
        await this.ports.expirePending(now - 2 * this.sessionTimeoutMs)
        // A spent ticket past its lifetime resumes nothing anyway.
        for (const [key, expires] of this.spentTickets) if (expires <= now) this.spentTickets.delete(key)
        return n
    }

    /**
     * Stops the sweep. Sessions in memory end with the process: they are abandoned now. Sessions
     * in the database stay for another process (or this one, restarted) to continue.
     */
    async close(): Promise<void> {
        clearInterval(this.timer)
        if (this.shared === null) await this.sweep(Infinity)
        else for (const s of this.sessions.values()) await this.abandon(s)
    }

    /** An exchange that ends undecided: an approval the card never acknowledged is reversed; a TLS connection closed. */
    private async abandon(s: Session): Promise<void> {
        if (s.tls !== null) await s.tls.abandon()
        else await s.aka.abandon()
    }
}

function ticketKey(ticket: Buffer): string {
    return createHash("sha256").update(ticket).digest("hex")
}

/**
 * What the terminal shows for a payment whose EAP-TLS exchange failed before any decision (nothing
 * is in the ledger: a final refusal, no inquiry needed): the card's certificate refused, a spent
 * ticket, or the authentication failing otherwise. The server's log keeps the whole reason.
 */
function tlsRefusal(reason: string): PaymentResult {
    const refused = /client certificate refused: (\w+)/.exec(reason)
    if (refused !== null) {
        const why = refused[1] === "CERT_HAS_EXPIRED" ? "expired" : refused[1] === "CERT_REVOKED" ? "revoked" : "refused"
        return { responseCode: RC_INVALID_CARD, approvalNumber: "", reason: "card certificate " + why }
    }
    if (/certificate revoked|certificate expired/.test(reason)) return { responseCode: RC_INVALID_CARD, approvalNumber: "", reason: "card " + /certificate \w+/.exec(reason)![0] }
    if (/ticket/.test(reason)) return { responseCode: RC_INVALID_TRANSACTION, approvalNumber: "", reason: "ticket already used" }
    return { responseCode: RC_DO_NOT_HONOR, approvalNumber: "", reason: "card authentication failed" }
}

/** The decision the session's method reached, or null. */
function resultOf(s: Session): PaymentResult | null {
    return s.tls !== null ? s.tls.outcome.result : s.aka.outcome.result
}

/** The card ID a verified card certificate names in its subject's serialNumber, or "". */
export function cardIdOfCertificate(der: Buffer): string {
    try {
        const subject = new X509Certificate(der).subject
        for (const line of subject.split("\n")) if (line.startsWith("serialNumber=")) return line.slice("serialNumber=".length)
    } catch {
        return ""
    }
    return ""
}
