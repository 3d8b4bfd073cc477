// In-memory AkaServerPorts for protocol tests (portable: used in Node and inside the VM): an AuC
// (Milenage with SEQ/IND), pseudonyms, re-authentication contexts and a simple ledger rule.
// The payment server has the durable implementation.

import { AuthVector, generateVector, resyncFromAuts } from "../../src/crypto/aka"
import { MilenageKey, milenageKey } from "../../src/crypto/milenage"
import { seqOf, sqnOf } from "../../src/crypto/sqn"
import { AkaServerPorts, ServerReauthContext } from "../../src/eap/aka-server"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { Payment } from "../../src/payment/payment"
import { PaymentResult, RC_APPROVED, RC_INSUFFICIENT_FUNDS } from "../../src/payment/result"
import { constantTimeEqual, fromHex, toHex } from "../../src/bytes"

export interface MemoryCard {
    cardId: string
    key: MilenageKey
    seq: number
    balance: number
}

export interface MemoryDecision {
    cardId: string
    payment: Payment
    result: PaymentResult
    final: boolean
    reversed: boolean
}

interface Named<T> {
    name: string
    value: T
}

function lookup<T>(list: Named<T>[], name: string): T | null {
    for (let i = 0; i < list.length; i++) if (list[i].name === name) return list[i].value
    return null
}

export class MemoryServerPorts implements AkaServerPorts {
    readonly cards: MemoryCard[] = []
    readonly pseudonyms: Named<string>[] = []
    readonly reauths: Named<ServerReauthContext>[] = []
    readonly decisions: MemoryDecision[] = []
    issuePseudonyms = true
    issueReauth = true
    private approvals = 0

    constructor(private readonly randomBytes: (n: number) => Buffer) {}

    addCard(cardId: string, k: Buffer, opc: Buffer, balance: number): void {
        this.cards.push({ cardId: cardId, key: milenageKey(k, opc), seq: 1, balance: balance })
    }

    card(cardId: string): MemoryCard | null {
        for (let i = 0; i < this.cards.length; i++) if (this.cards[i].cardId === cardId) return this.cards[i]
        return null
    }

    async vector(cardId: string, method: number): Promise<AuthVector | null> {
        const c = this.card(cardId)
        if (c === null) return null
        c.seq++
        const amf = fromHex(method === EAP_TYPE_AKA_PRIME ? "8000" : "0000")
        return generateVector(c.key, this.randomBytes(16), sqnOf(c.seq, 0), amf)
    }

    async resync(cardId: string, rand: Buffer, auts: Buffer): Promise<boolean> {
        const c = this.card(cardId)
        if (c === null) return false
        const sqnMs = resyncFromAuts(c.key, rand, auts)
        if (sqnMs < 0) return false
        c.seq = seqOf(sqnMs)
        return true
    }

    async resolvePseudonym(p: string): Promise<string | null> {
        return lookup(this.pseudonyms, p)
    }

    async newPseudonym(cardId: string): Promise<string> {
        if (!this.issuePseudonyms) return ""
        const p = toHex(this.randomBytes(8))
        this.pseudonyms.push({ name: p, value: cardId })
        return p
    }

    async resolveReauth(id: string): Promise<ServerReauthContext | null> {
        const ctx = lookup(this.reauths, id)
        // One use per re-authentication identity.
        for (let i = 0; i < this.reauths.length; i++) if (this.reauths[i].name === id) this.reauths[i].name = ""
        return ctx
    }

    async newReauth(ctx: ServerReauthContext): Promise<string> {
        if (!this.issueReauth) return ""
        const id = toHex(this.randomBytes(8))
        this.reauths.push({ name: id, value: ctx })
        return id
    }

    async decide(cardId: string, payment: Payment): Promise<PaymentResult> {
        const c = this.card(cardId)
        let result: PaymentResult
        if (c === null || c.balance < payment.amount) result = { responseCode: RC_INSUFFICIENT_FUNDS, approvalNumber: "", reason: "insufficient funds" }
        else {
            c.balance -= payment.amount
            this.approvals++
            result = { responseCode: RC_APPROVED, approvalNumber: "" + (100000 + this.approvals), reason: "approved" }
        }
        this.decisions.push({ cardId: cardId, payment: payment, result: result, final: false, reversed: false })
        return result
    }

    async finalize(cardId: string, payment: Payment, acknowledged: boolean): Promise<void> {
        for (let i = 0; i < this.decisions.length; i++) {
            const d = this.decisions[i]
            if (d.cardId !== cardId || !constantTimeEqual(d.payment.transactionId, payment.transactionId)) continue
            if (acknowledged) d.final = true
            else if (!d.reversed) {
                d.reversed = true
                const c = this.card(cardId)
                if (c !== null) c.balance += payment.amount
            }
        }
    }

    /** Approvals that stand: final and not reversed. */
    finalApprovals(): number {
        let n = 0
        for (let i = 0; i < this.decisions.length; i++) {
            const d = this.decisions[i]
            if (d.result.responseCode === RC_APPROVED && d.final && !d.reversed) n++
        }
        return n
    }
}
