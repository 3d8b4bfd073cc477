// Between RADIUS and the EAP-AKA server sessions: one session per authentication, found again
// through the RADIUS State attribute, with the terminal's payment stored before authentication
// starts (figure 7) and abandoned sessions reversed after a timeout. What one terminal can hold is
// bounded: at most `maxPaymentsPerTerminal` exchanges with a payment at once per RADIUS client
// (counted by address, which its shared secret authenticates; a first request
// beyond that is rejected, nothing stored), and a pending payment is removed when its exchange
// ends undecided, or by the periodic sweep once older than twice the session timeout.
// A status inquiry (src/radius/inquiry.ts) ends the asking terminal's exchange of that transaction
// if it is still open, then answers from the ledger.

import { nodeRandomBytes as randomBytes } from "../node-platform"
import { AkaServerSession, ServerOptions } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_REQUEST, EAP_RESPONSE, EAP_SUCCESS, EAP_TYPE_IDENTITY } from "../../src/eap/eap-packet"
import { Payment } from "../../src/payment/payment"
import { PaymentResult } from "../../src/payment/result"
import type { AkaPlatform } from "../../src/eap/aka-crypto"
import type { LedgerPorts } from "./ledger-ports"

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
    expires: number
    client: string
    payment: Payment | null
    /** The step being handled, if any (an inquiry lets it finish before ending the exchange). */
    busy: Promise<Buffer> | null
}

/** What a status inquiry learns: the ledger's final decision, not final yet, or no record for this terminal. */
export interface InquiryAnswer {
    kind: "final" | "in-progress" | "unknown"
    result: PaymentResult | null
}

export const DEFAULT_MAX_PAYMENTS_PER_TERMINAL = 1000

export class EapGateway {
    private readonly sessions = new Map<string, Session>()
    /** Exchanges carrying a payment, per RADIUS client address. */
    private readonly paymentsOf = new Map<string, number>()
    /** The session of each transaction ID in progress (hex), by its key. */
    private readonly sessionOfTx = new Map<string, string>()
    private readonly timer: NodeJS.Timeout

    constructor(
        private readonly ports: LedgerPorts,
        private readonly platform: AkaPlatform,
        private readonly options: ServerOptions,
        private readonly sessionTimeoutMs = 30_000,
        private readonly maxPaymentsPerTerminal = DEFAULT_MAX_PAYMENTS_PER_TERMINAL,
    ) {
        this.timer = setInterval(() => void this.sweep(), Math.min(5_000, sessionTimeoutMs)).unref()
    }

    get activeSessions(): number {
        return this.sessions.size
    }

    async handle(req: GatewayRequest): Promise<GatewayReply> {
        if (req.state === null) return await this.begin(req)
        const key = req.state.toString("hex")
        const s = this.sessions.get(key)
        if (!s) return this.reject(null, "unknown or expired session")
        if (req.eap === null) return this.reject(null, "EAP-Start inside a session")
        s.expires = Date.now() + this.sessionTimeoutMs
        const out = await this.step(s, req.eap)
        return this.reply(key, s.aka, out)
    }

    private async step(s: Session, eap: Buffer): Promise<Buffer> {
        const work = s.aka.handle(eap)
        s.busy = work
        try {
            return await work
        } finally {
            if (s.busy === work) s.busy = null
        }
    }

    /**
     * A status inquiry from the RADIUS client at `client` about a transaction. The terminal relays
     * nothing more for it, so an exchange of it still open here (started by the same client for a
     * payment of its terminal) is ended first, once a step in progress has finished: an approval the
     * card has not acknowledged is reversed. Then the ledger answers; a record of another terminal
     * is answered as no record.
     */
    async inquire(transactionId: Buffer, client: string): Promise<InquiryAnswer> {
        const terminalId = this.ports.terminalOf(client)
        if (terminalId === null) return { kind: "unknown", result: null }
        const key = this.sessionOfTx.get(transactionId.toString("hex"))
        const s = key !== undefined ? this.sessions.get(key) : undefined
        if (key !== undefined && s && s.client === client && s.payment !== null && s.payment.terminalId === terminalId) {
            if (s.busy) await s.busy.catch(() => undefined)
            if (this.sessions.get(key) === s) {
                this.end(key)
                await s.aka.abandon()
            }
        }
        const r = await this.ports.outcome(transactionId)
        if (r === null || r.terminalId !== terminalId) return { kind: "unknown", result: null }
        if (r.state === "provisional") return { kind: "in-progress", result: null }
        return { kind: "final", result: r.result }
    }

    private async begin(req: GatewayRequest): Promise<GatewayReply> {
        const isIdentity = req.eap !== null && req.eap.length >= 5 && req.eap[0] === EAP_RESPONSE && req.eap[4] === EAP_TYPE_IDENTITY
        if (req.eap !== null && !isIdentity) return this.reject(null, "the first EAP message must be EAP-Start or EAP-Response/Identity")
        if (req.payment !== null) {
            const held = this.paymentsOf.get(req.client) ?? 0
            if (held >= this.maxPaymentsPerTerminal) return this.reject(null, "too many payments in progress for this terminal")
            this.paymentsOf.set(req.client, held + 1)
            this.ports.storePending(req.payment, req.terminalId)
        }
        const firstId = req.eap === null ? randomBytes(1)[0] : req.eap[1]
        const aka = new AkaServerSession(this.ports, this.platform, this.options, req.payment, firstId)
        const key = randomBytes(16).toString("hex")
        const s: Session = { aka, expires: Date.now() + this.sessionTimeoutMs, client: req.client, payment: req.payment, busy: null }
        this.sessions.set(key, s)
        if (req.payment !== null) this.sessionOfTx.set(req.payment.transactionId.toString("hex"), key)
        const out = req.eap === null ? aka.identityRequest() : await this.step(s, req.eap)
        return this.reply(key, aka, out)
    }

    /** Forgets a session; its pending payment goes too when the exchange ended undecided. */
    private end(key: string): void {
        const s = this.sessions.get(key)
        if (!s) return
        this.sessions.delete(key)
        if (s.payment === null) return
        const tx = s.payment.transactionId.toString("hex")
        if (this.sessionOfTx.get(tx) === key) this.sessionOfTx.delete(tx)
        const held = (this.paymentsOf.get(s.client) ?? 1) - 1
        if (held > 0) this.paymentsOf.set(s.client, held)
        else this.paymentsOf.delete(s.client)
        if (s.aka.outcome.result === null) this.ports.dropPending(s.payment)
    }

    private reply(key: string, aka: AkaServerSession, eap: Buffer): GatewayReply {
        const o = aka.outcome
        if (eap[0] === EAP_REQUEST) return { kind: "challenge", eap, state: Buffer.from(key, "hex"), result: null, reason: "" }
        this.end(key)
        if (eap[0] === EAP_SUCCESS) return { kind: "accept", eap, state: null, result: o.result, reason: o.result ? o.result.reason : "authenticated" }
        return { kind: "reject", eap, state: null, result: o.result, reason: o.failure }
    }

    private reject(result: PaymentResult | null, reason: string): GatewayReply {
        return { kind: "reject", eap: Buffer.from([EAP_FAILURE, 0, 0, 4]), state: null, result, reason }
    }

    /**
     * Abandons sessions past their timeout (an approval the card never acknowledged is reversed),
     * and removes pending payments older than twice the session timeout.
     */
    async sweep(now = Date.now()): Promise<number> {
        let n = 0
        for (const [key, s] of this.sessions) {
            if (s.expires > now) continue
            this.end(key)
            await s.aka.abandon()
            n++
        }
        await this.ports.expirePending(now - 2 * this.sessionTimeoutMs)
        return n
    }

    async close(): Promise<void> {
        clearInterval(this.timer)
        await this.sweep(Infinity)
    }
}
