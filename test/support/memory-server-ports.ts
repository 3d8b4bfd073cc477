// In-memory AkaServerPorts for protocol tests: an AuC (Milenage with SEQ/IND), pseudonyms,
// re-authentication contexts and a trivial decision rule. The payment server has the durable one.

import { randomBytes } from "node:crypto"
import { AuthVector, generateVector, resyncFromAuts } from "../../src/crypto/aka"
import { MilenageKey, milenageKey } from "../../src/crypto/milenage"
import { seqOf, sqnOf } from "../../src/crypto/sqn"
import { AkaServerPorts, ServerReauthContext } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { Payment } from "../../src/payment/payment"
import { PaymentResult, RC_APPROVED, RC_INSUFFICIENT_FUNDS } from "../../src/payment/result"

export interface MemoryCard {
    key: MilenageKey
    seq: number
    balance: number
}

export class MemoryServerPorts implements AkaServerPorts {
    readonly cards = new Map<string, MemoryCard>()
    readonly pseudonyms = new Map<string, string>()
    readonly reauths = new Map<string, ServerReauthContext>()
    readonly decisions: { cardId: string; payment: Payment; result: PaymentResult; final: boolean; reversed: boolean }[] = []
    issuePseudonyms = true
    issueReauth = true
    private approvals = 0

    addCard(cardId: string, k: Buffer, opc: Buffer, balance: number, seq = 1): void {
        this.cards.set(cardId, { key: milenageKey(k, opc), seq, balance })
    }

    async vector(cardId: string, method: number): Promise<AuthVector | null> {
        const c = this.cards.get(cardId)
        if (!c) return null
        c.seq++
        const amf = Buffer.from(method === EAP_TYPE_AKA_PRIME ? "8000" : "0000", "hex")
        return generateVector(c.key, randomBytes(16), sqnOf(c.seq, 0), amf)
    }

    async resync(cardId: string, rand: Buffer, auts: Buffer): Promise<boolean> {
        const c = this.cards.get(cardId)
        if (!c) return false
        const sqnMs = resyncFromAuts(c.key, rand, auts)
        if (sqnMs < 0) return false
        c.seq = seqOf(sqnMs)
        return true
    }

    async resolvePseudonym(p: string): Promise<string | null> {
        return this.pseudonyms.get(p) ?? null
    }

    async newPseudonym(cardId: string): Promise<string> {
        if (!this.issuePseudonyms) return ""
        const p = randomBytes(8).toString("hex")
        this.pseudonyms.set(p, cardId)
        return p
    }

    async resolveReauth(id: string): Promise<ServerReauthContext | null> {
        const ctx = this.reauths.get(id) ?? null
        this.reauths.delete(id) // one use per re-auth ID
        return ctx
    }

    async newReauth(ctx: ServerReauthContext): Promise<string> {
        if (!this.issueReauth) return ""
        const id = randomBytes(8).toString("hex")
        this.reauths.set(id, { ...ctx })
        return id
    }

    async decide(cardId: string, payment: Payment): Promise<PaymentResult> {
        const c = this.cards.get(cardId)!
        let result: PaymentResult
        if (c.balance < payment.amount) result = { responseCode: RC_INSUFFICIENT_FUNDS, approvalNumber: "", reason: "insufficient funds" }
        else {
            c.balance -= payment.amount
            this.approvals++
            result = { responseCode: RC_APPROVED, approvalNumber: String(100000 + this.approvals), reason: "approved" }
        }
        this.decisions.push({ cardId, payment, result, final: false, reversed: false })
        return result
    }

    async finalize(cardId: string, payment: Payment, acknowledged: boolean): Promise<void> {
        const d = this.decisions.find((x) => x.cardId === cardId && x.payment.transactionId.equals(payment.transactionId))!
        if (acknowledged) d.final = true
        else {
            d.reversed = true
            this.cards.get(cardId)!.balance += payment.amount
        }
    }

    /** Approvals that stand: final and not reversed. */
    finalApprovals(): number {
        return this.decisions.filter((d) => d.result.responseCode === "00" && d.final && !d.reversed).length
    }
}
