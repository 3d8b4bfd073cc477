// The payment server's AkaServerPorts over its storage (../db/storage.ts): the AuC (K, OPc, SQN
// with SEQ/IND), the card registry (card ID -> card number, holder, status, balance),
// re-authentication contexts, pending payments and the ledger; pseudonyms are encrypted card IDs
// (pseudonym-codec.ts) under a key kept in the database. Every decision is committed before it is
// answered, and the ledger, keyed by transaction ID, makes decide() idempotent: a retransmission
// never double-approves.

import { nodeRandomBytes as randomBytes } from "../node-platform"
import { AuthVector, generateVector, resyncFromAuts } from "../../src/crypto/aka"
import { milenageKey, MilenageKey } from "../../src/crypto/milenage"
import { seqOf, sqnOf } from "../../src/crypto/sqn"
import { AkaServerPorts, ServerReauthContext } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { decodePayment, encodePayment, Payment } from "../../src/payment/payment"
import {
    PaymentResult,
    RC_CARD_RESTRICTED,
    RC_EXCEEDS_LIMIT,
    RC_INSUFFICIENT_FUNDS,
    RC_INVALID_CARD,
    RC_SYSTEM_MALFUNCTION,
} from "../../src/payment/result"
import type { AucRecord, CardRecord, Decision, LedgerState, ServerStorage, SessionTable } from "../db/storage"
import { newServerKey, PseudonymCodec } from "./pseudonym-codec"

/** SEQ values reserved per durable write; after a crash the unused rest of a block is skipped. */
export const SEQ_BLOCK = 32

/** The issuer's rules for a payment on a card, as the card stands when the decision is written. */
export function paymentRules(card: CardRecord | null, payment: Payment): Decision {
    const decline = (responseCode: string, reason: string): Decision => ({ approve: false, result: { responseCode, approvalNumber: "", reason } })
    if (!card) return decline(RC_INVALID_CARD, "unknown card")
    if (card.status !== "active") return decline(RC_CARD_RESTRICTED, "card blocked")
    if (payment.currency !== card.currency) return decline(RC_CARD_RESTRICTED, "currency not accepted on this card")
    if (payment.amount > card.limit) return decline(RC_EXCEEDS_LIMIT, "over the card's limit")
    if (payment.amount > card.balance) return decline(RC_INSUFFICIENT_FUNDS, "insufficient funds")
    return { approve: true }
}

const REVERSED: PaymentResult = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed: not acknowledged by the card" }
const RESTART_REVERSAL: PaymentResult = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed: the server restarted before the card acknowledged it" }
const ABANDONED_REVERSAL: PaymentResult = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed: the exchange was abandoned before the card acknowledged it" }

/** AMF with the separation bit set for EAP-AKA' (TS 33.402 annex A.2), and plain for EAP-AKA. */
const AMF_AKA_PRIME = Buffer.from("8000", "hex")
const AMF_AKA = Buffer.from("0000", "hex")

const hex = (b: Buffer) => b.toString("hex")
const unhex = (s: string) => Buffer.from(s, "hex")

export class LedgerPorts implements AkaServerPorts {
    /** SEQ values reserved durably and not yet used, per card. */
    private readonly reserved = new Map<string, { next: number; limit: number }>()
    private readonly milenageKeys = new Map<string, { k: string; opc: string; key: MilenageKey }>()
    /** EAP sessions in the database (several processes on one database), or null: they stay in the gateway's memory. */
    readonly sessionTable: SessionTable | null

    constructor(
        private readonly store: ServerStorage,
        private readonly pseudonyms: PseudonymCodec,
        private readonly log: (line: string) => void = () => {},
    ) {
        this.sessionTable = store.sessions
    }

    /** Ports over `store`, with the pseudonym key it holds (stored now when it has none yet). */
    static async open(store: ServerStorage, log?: (line: string) => void): Promise<LedgerPorts> {
        const keys = await store.serverKeys(newServerKey())
        return new LedgerPorts(store, new PseudonymCodec(keys), log)
    }

    private async nextSeq(cardId: string): Promise<number> {
        let r = this.reserved.get(cardId)
        if (!r || r.next > r.limit) {
            // Reserve the next block durably before any SQN from it leaves the server.
            const block = await this.store.reserveSeq(cardId, SEQ_BLOCK)
            r = this.reserved.get(cardId) ?? block
            if (r.next > r.limit) r = block
            this.reserved.set(cardId, r)
        }
        return r.next++
    }

    /** A write nothing waits for: committed with the next group commit; a failure is logged. */
    private background(write: Promise<void>): void {
        write.catch((e) => this.log(`store write failed: ${(e as Error).message}`))
    }

    async vector(cardId: string, method: number): Promise<AuthVector | null> {
        const records = await this.store.cardWithAuc(cardId)
        if (!records || records.card.status !== "active") return null
        const auc = records.auc
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
        const auc = await this.store.auc(cardId)
        if (!auc) return false
        const sqnMs = resyncFromAuts(this.milenageKeyOf(cardId, auc), rand, auts)
        if (sqnMs < 0) return false
        // Continue after the card's SQN: drop the reservation, the next vector reserves from there.
        this.reserved.delete(cardId)
        await this.store.raiseSeq(cardId, seqOf(sqnMs))
        return true
    }

    async resolvePseudonym(pseudonym: string): Promise<string | null> {
        return this.pseudonyms.decode(pseudonym)
    }

    async newPseudonym(cardId: string): Promise<string> {
        return this.pseudonyms.encode(cardId)
    }

    async resolveReauth(reauthId: string): Promise<ServerReauthContext | null> {
        const r = await this.store.takeReauth(reauthId)
        if (!r) return null
        return { cardId: r.cardId, method: r.method, counter: r.counter, kEncr: unhex(r.kEncr), kAut: unhex(r.kAut), reauthKey: unhex(r.reauthKey) }
    }

    async newReauth(ctx: ServerReauthContext): Promise<string> {
        // One re-authentication identity per card: a new one replaces the last (a card that
        // missed it offers the old one, is refused, and authenticates in full).
        const id = randomBytes(12).toString("base64url")
        this.background(this.store.putReauth(id, { cardId: ctx.cardId, method: ctx.method, counter: ctx.counter, kEncr: hex(ctx.kEncr), kAut: hex(ctx.kAut), reauthKey: hex(ctx.reauthKey) }))
        return id
    }

    /** Figure 7: the terminal's payment, stored before authentication starts (durable with the next commit). */
    storePending(payment: Payment, terminalId: string): void {
        this.background(this.store.storePending(hex(payment.transactionId), terminalId, encodePayment(payment), Date.now()))
    }

    /** A pending payment whose exchange ended undecided (removed with the next commit). */
    dropPending(payment: Payment): void {
        this.background(this.store.dropPending(hex(payment.transactionId)))
    }

    async expirePending(before: number): Promise<void> {
        const n = await this.store.expirePending(before).catch((e) => {
            this.log(`store write failed: ${(e as Error).message}`)
            return 0
        })
        if (n > 0) this.log(`${n} pending payments expired`)
    }

    /**
     * At start-up, before any request. Sessions in memory (one process per database) died with
     * the previous process: an approval still provisional belongs to an exchange that can never be
     * acknowledged. It is reversed, as an abandoned exchange's would be, and the balance restored,
     * in one commit; pending payments of those exchanges are removed. Sessions in the database may
     * still be continued by another process: only what abandonShared() would resolve is.
     */
    async recover(sessionTimeoutMs: number): Promise<{ reversed: number; pending: number }> {
        if (this.sessionTable === null) {
            const reversed = await this.store.reverseProvisional(RESTART_REVERSAL)
            const pending = await this.store.expirePending(Infinity)
            return { reversed, pending }
        }
        const now = Date.now()
        await this.sessionTable.removeExpired(now)
        const reversed = await this.sessionTable.reverseAbandoned(now - sessionTimeoutMs, ABANDONED_REVERSAL)
        const pending = await this.store.expirePending(now - 2 * sessionTimeoutMs)
        return { reversed, pending }
    }

    /**
     * Sessions in the database: removes those expired at `now`, then reverses every provisional
     * approval created before `now - sessionTimeoutMs` that no session continues any more (its
     * exchange ended without the card's acknowledgement being recorded, expired, or died with a
     * process at any step), restoring the balance. An exchange still in progress has its session
     * row, and one that could still be continued is younger than the timeout: neither is touched,
     * whichever process runs it. Resolves with the sessions removed.
     */
    async abandonShared(now: number, sessionTimeoutMs: number): Promise<number> {
        if (this.sessionTable === null) return 0
        try {
            const expired = await this.sessionTable.removeExpired(now)
            const reversed = await this.sessionTable.reverseAbandoned(now - sessionTimeoutMs, ABANDONED_REVERSAL)
            if (reversed > 0) this.log(`${reversed} approvals of abandoned exchanges reversed`)
            return expired
        } catch (e) {
            this.log(`sweep failed: ${(e as Error).message}`)
            return 0
        }
    }

    /**
     * Sessions in the database, for a status inquiry about one transaction: its approval, if still
     * provisional with no session left anywhere, is reversed now rather than at the sweep (its
     * terminal relays nothing more for it, and a step another process may still be computing finds
     * its session gone and answers nothing). Resolves with 1 when reversed here, else 0.
     */
    async reverseAbandonedPayment(transactionId: Buffer): Promise<number> {
        if (this.sessionTable === null) return 0
        const n = await this.sessionTable.reverseAbandonedPayment(hex(transactionId), ABANDONED_REVERSAL)
        if (n > 0) this.log(`approval of ${hex(transactionId)} reversed on a status inquiry: its exchange was abandoned`)
        return n
    }

    /** The terminal ID registered for a RADIUS client address (which its shared secret authenticates), or null. */
    terminalOf(address: string): string | null {
        return this.store.client(address)?.terminalId ?? null
    }

    /** What the ledger holds for a transaction (a status inquiry), with the terminal ID of its payment; null when nothing. */
    async outcome(transactionId: Buffer): Promise<{ state: LedgerState; result: PaymentResult; terminalId: string } | null> {
        const r = await this.store.outcome(hex(transactionId))
        if (!r) return null
        return { state: r.state, result: r.result, terminalId: decodePayment(unhex(r.payment)).terminalId }
    }

    async decide(cardId: string, payment: Payment): Promise<PaymentResult> {
        return await this.store.decide(hex(payment.transactionId), cardId, payment, encodePayment(payment), paymentRules)
    }

    async finalize(cardId: string, payment: Payment, acknowledged: boolean): Promise<void> {
        await this.store.finalize(hex(payment.transactionId), cardId, acknowledged, REVERSED)
    }
}
