// The payment server's AkaServerPorts over the durable store: the AuC (K, OPc, SQN with SEQ/IND),
// the card registry (card ID -> card number, holder, status, balance), pseudonyms, re-authentication
// contexts, pending payments and the ledger. Every decision is on disk before it is answered, and
// the ledger, keyed by transaction ID, makes decide() idempotent: a retransmission never
// double-approves.

import { nodeRandomBytes as randomBytes } from "../node-platform"
import { AuthVector, generateVector, resyncFromAuts } from "../../src/crypto/aka"
import { milenageKey, MilenageKey } from "../../src/crypto/milenage"
import { seqOf, sqnOf } from "../../src/crypto/sqn"
import { AkaServerPorts, ServerReauthContext } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { encodePayment, Payment } from "../../src/payment/payment"
import {
    PaymentResult,
    RC_APPROVED,
    RC_CARD_RESTRICTED,
    RC_DUPLICATE,
    RC_EXCEEDS_LIMIT,
    RC_INSUFFICIENT_FUNDS,
    RC_INVALID_CARD,
} from "../../src/payment/result"
import type { JournalStore, Tx } from "../store/journal-store"

export const T_CARDS = "cards"
export const T_AUC = "auc"
export const T_PSEUDONYMS = "pseudonyms"
export const T_REAUTH = "reauth"
export const T_PENDING = "pending"
export const T_LEDGER = "ledger"
export const T_COUNTERS = "counters"
/** Per card: the pseudonyms and the re-authentication identity it may still present. */
export const T_IDENTITIES = "identities"

export interface CardRecord {
    cardId: string
    /** The card number: only the server knows it; terminals and logs never see it. */
    pan: string
    holder: string
    status: "active" | "blocked"
    currency: number
    balance: number
    /** Largest single payment. */
    limit: number
}

export interface AucRecord {
    k: string
    opc: string
    /**
     * The highest SEQ_HE (TS 33.102 annex C) this server has reserved. Vectors use SEQ values from
     * a block reserved durably ahead (SEQ_BLOCK at a time), so an SQN is never issued twice, even
     * across a crash, without a disk write per vector.
     */
    seq: number
    /** IND value this server node uses (annex C.3.2: one IND per issuing node). */
    ind: number
}

export interface LedgerRecord {
    txid: string
    cardId: string
    payment: string
    result: PaymentResult
    /** provisional until the card acknowledges the MAC-protected result; then final, or reversed. */
    state: "provisional" | "final" | "reversed"
    at: number
}

export interface PendingRecord {
    payment: string
    terminalId: string
    at: number
}

interface ReauthRecord {
    cardId: string
    method: number
    counter: number
    kEncr: string
    kAut: string
    reauthKey: string
}

interface IdentityRecord {
    /** Newest first. */
    pseudonyms: string[]
    reauthId: string
}

/**
 * Pseudonyms a card may still present: the newest, and the one before in case the challenge that
 * carried the newest never reached the card. Older ones are forgotten (a card holding one falls
 * back to its card ID, RFC 4187 section 4.1.6), so the tables do not grow with every payment.
 */
export const PSEUDONYMS_KEPT = 2

/** SEQ values reserved per durable write; after a crash the unused rest of a block is skipped. */
export const SEQ_BLOCK = 32

function identitiesOf(tx: Tx, cardId: string): IdentityRecord {
    return tx.get<IdentityRecord>(T_IDENTITIES, cardId) ?? { pseudonyms: [], reauthId: "" }
}

/** AMF with the separation bit set for EAP-AKA' (TS 33.402 annex A.2), and plain for EAP-AKA. */
const AMF_AKA_PRIME = Buffer.from("8000", "hex")
const AMF_AKA = Buffer.from("0000", "hex")

const hex = (b: Buffer) => b.toString("hex")
const unhex = (s: string) => Buffer.from(s, "hex")

export class LedgerPorts implements AkaServerPorts {
    /** SEQ values reserved on disk and not yet used, per card. */
    private readonly reserved = new Map<string, { next: number; limit: number }>()
    private deferred: ((tx: Tx) => void)[] = []
    private readonly milenageKeys = new Map<string, { k: string; opc: string; key: MilenageKey }>()

    constructor(
        private readonly store: JournalStore,
        private readonly log: (line: string) => void = () => {},
    ) {}

    private async nextSeq(cardId: string): Promise<number> {
        let r = this.reserved.get(cardId)
        if (!r || r.next > r.limit) {
            // Reserve the next block durably before any SQN from it leaves the server.
            const block = await this.transaction((tx) => {
                const a = tx.get<AucRecord>(T_AUC, cardId)!
                tx.put(T_AUC, cardId, { ...a, seq: a.seq + SEQ_BLOCK })
                return { next: a.seq + 1, limit: a.seq + SEQ_BLOCK }
            })
            r = this.reserved.get(cardId) ?? block
            if (r.next > r.limit) r = block
            this.reserved.set(cardId, r)
        }
        return r.next++
    }

    /**
     * Writes that must reach the journal but that nothing waits for: the pending payment, a new
     * pseudonym, a new re-authentication identity. Those of one event-loop turn go into one
     * transaction (a payment's first request makes three), committed once the turn's I/O callbacks
     * have run (setImmediate) or before the next awaited transaction, whichever comes first: the
     * journal stays in call order.
     */
    private background(body: (tx: Tx) => void): void {
        this.deferred.push(body)
        if (this.deferred.length === 1) setImmediate(() => this.commitBackground())
    }

    private commitBackground(): void {
        if (this.deferred.length === 0) return
        const bodies = this.deferred
        this.deferred = []
        this.store
            .transaction((tx) => {
                for (const body of bodies) body(tx)
            })
            .catch((e) => this.log(`store write failed: ${(e as Error).message}`))
    }

    /** Every awaited transaction goes through here, after the background writes called before it. */
    private transaction<R>(body: (tx: Tx) => R): Promise<R> {
        this.commitBackground()
        return this.store.transaction(body)
    }

    async vector(cardId: string, method: number): Promise<AuthVector | null> {
        const card = this.store.get<CardRecord>(T_CARDS, cardId)
        const auc = this.store.get<AucRecord>(T_AUC, cardId)
        if (!card || !auc || card.status !== "active") return null
        const seq = await this.nextSeq(cardId)
        return generateVector(this.milenageKeyOf(cardId, auc), randomBytes(16), sqnOf(seq, auc.ind), method === EAP_TYPE_AKA_PRIME ? AMF_AKA_PRIME : AMF_AKA)
    }

    /** The card's Milenage key (its AES key schedule), expanded once per card rather than once per vector. */
    private milenageKeyOf(cardId: string, auc: AucRecord): MilenageKey {
        const cached = this.milenageKeys.get(cardId)
        if (cached && cached.k === auc.k && cached.opc === auc.opc) return cached.key
        const key = milenageKey(unhex(auc.k), unhex(auc.opc))
        this.milenageKeys.set(cardId, { k: auc.k, opc: auc.opc, key })
        return key
    }

    async resync(cardId: string, rand: Buffer, auts: Buffer): Promise<boolean> {
        const auc = this.store.get<AucRecord>(T_AUC, cardId)
        if (!auc) return false
        const sqnMs = resyncFromAuts(this.milenageKeyOf(cardId, auc), rand, auts)
        if (sqnMs < 0) return false
        // Continue after the card's SQN: drop the reservation, the next vector reserves from there.
        this.reserved.delete(cardId)
        await this.transaction((tx) => {
            const a = tx.get<AucRecord>(T_AUC, cardId)!
            tx.put(T_AUC, cardId, { ...a, seq: Math.max(a.seq, seqOf(sqnMs)) })
        })
        return true
    }

    async resolvePseudonym(pseudonym: string): Promise<string | null> {
        return this.store.get<string>(T_PSEUDONYMS, pseudonym) ?? null
    }

    async newPseudonym(cardId: string): Promise<string> {
        // Not awaited: the journal is ordered, so it is on disk before the decision that ends this
        // exchange is; a crash before that only makes the card fall back to its permanent identity.
        const p = randomBytes(12).toString("base64url")
        this.background((tx) => {
            const ids = identitiesOf(tx, cardId)
            const kept = [p].concat(ids.pseudonyms.slice(0, PSEUDONYMS_KEPT - 1))
            for (const old of ids.pseudonyms.slice(PSEUDONYMS_KEPT - 1)) tx.delete(T_PSEUDONYMS, old)
            tx.put(T_PSEUDONYMS, p, cardId)
            tx.put(T_IDENTITIES, cardId, { pseudonyms: kept, reauthId: ids.reauthId })
        })
        return p
    }

    async resolveReauth(reauthId: string): Promise<ServerReauthContext | null> {
        const r = this.store.get<ReauthRecord>(T_REAUTH, reauthId)
        if (!r) return null
        // One use per re-authentication identity.
        this.background((tx) => {
            tx.delete(T_REAUTH, reauthId)
        })
        return { cardId: r.cardId, method: r.method, counter: r.counter, kEncr: unhex(r.kEncr), kAut: unhex(r.kAut), reauthKey: unhex(r.reauthKey) }
    }

    async newReauth(ctx: ServerReauthContext): Promise<string> {
        const id = randomBytes(12).toString("base64url")
        const rec: ReauthRecord = { cardId: ctx.cardId, method: ctx.method, counter: ctx.counter, kEncr: hex(ctx.kEncr), kAut: hex(ctx.kAut), reauthKey: hex(ctx.reauthKey) }
        this.background((tx) => {
            // One re-authentication identity per card: a new one replaces the last (a card that
            // missed it offers the old one, is refused, and authenticates in full).
            const ids = identitiesOf(tx, ctx.cardId)
            if (ids.reauthId !== "") tx.delete(T_REAUTH, ids.reauthId)
            tx.put(T_REAUTH, id, rec)
            tx.put(T_IDENTITIES, ctx.cardId, { pseudonyms: ids.pseudonyms, reauthId: id })
        })
        return id
    }

    /** Figure 7: the terminal's payment, stored before authentication starts (durable with the next commit). */
    storePending(payment: Payment, terminalId: string): void {
        const rec: PendingRecord = { payment: hex(encodePayment(payment)), terminalId, at: Date.now() }
        this.background((tx) => tx.put(T_PENDING, hex(payment.transactionId), rec))
    }

    async decide(cardId: string, payment: Payment): Promise<PaymentResult> {
        const txid = hex(payment.transactionId)
        const encoded = hex(encodePayment(payment))
        return await this.transaction((tx) => {
            const previous = tx.get<LedgerRecord>(T_LEDGER, txid)
            if (previous) {
                // The same transaction again (a retransmission, a retry after a lost answer): same answer.
                if (previous.cardId === cardId && previous.payment === encoded && previous.state !== "reversed") return previous.result
                return { responseCode: RC_DUPLICATE, approvalNumber: "", reason: "duplicate transaction ID" }
            }
            const card = tx.get<CardRecord>(T_CARDS, cardId)
            let result: PaymentResult
            if (!card) result = { responseCode: RC_INVALID_CARD, approvalNumber: "", reason: "unknown card" }
            else if (card.status !== "active") result = { responseCode: RC_CARD_RESTRICTED, approvalNumber: "", reason: "card blocked" }
            else if (payment.currency !== card.currency) result = { responseCode: RC_CARD_RESTRICTED, approvalNumber: "", reason: "currency not accepted on this card" }
            else if (payment.amount > card.limit) result = { responseCode: RC_EXCEEDS_LIMIT, approvalNumber: "", reason: "over the card's limit" }
            else if (payment.amount > card.balance) result = { responseCode: RC_INSUFFICIENT_FUNDS, approvalNumber: "", reason: "insufficient funds" }
            else {
                const n = (tx.get<number>(T_COUNTERS, "approval") ?? 0) + 1
                tx.put(T_COUNTERS, "approval", n)
                tx.put(T_CARDS, cardId, { ...card, balance: card.balance - payment.amount })
                result = { responseCode: RC_APPROVED, approvalNumber: String(n % 1_000_000).padStart(6, "0"), reason: "approved" }
            }
            const rec: LedgerRecord = { txid, cardId, payment: encoded, result, state: result.responseCode === RC_APPROVED ? "provisional" : "final", at: Date.now() }
            tx.put(T_LEDGER, txid, rec)
            tx.delete(T_PENDING, txid)
            return result
        })
    }

    async finalize(cardId: string, payment: Payment, acknowledged: boolean): Promise<void> {
        const txid = hex(payment.transactionId)
        await this.transaction((tx) => {
            const rec = tx.get<LedgerRecord>(T_LEDGER, txid)
            if (!rec || rec.cardId !== cardId || rec.state !== "provisional") return
            if (acknowledged) {
                tx.put(T_LEDGER, txid, { ...rec, state: "final" })
                return
            }
            const card = tx.get<CardRecord>(T_CARDS, cardId)
            if (card) tx.put(T_CARDS, cardId, { ...card, balance: card.balance + payment.amount })
            tx.put(T_LEDGER, txid, { ...rec, state: "reversed", result: { responseCode: "96", approvalNumber: "", reason: "approval reversed: not acknowledged by the card" } })
        })
    }
}
