// The rows both engines read from the cards and ledger tables (one schema, migrations/*/0001),
// and the records the server's storage interface gives for them.

import type { PaymentResult } from "../../src/payment/result"
import type { CardRecord, LedgerRecord, LedgerState } from "./storage"

export interface CardRow {
    card_id: string
    pan: string
    holder: string
    status: "active" | "blocked"
    currency: number
    balance: number
    max_amount: number
}

export interface LedgerRow {
    txid: string
    card_id: string
    payment: Buffer
    amount: number
    currency: number
    response_code: string
    approval_number: string
    reason: string
    state: LedgerState
    created_at: number
}

export const cardOf = (r: CardRow): CardRecord => ({ cardId: r.card_id, pan: r.pan, holder: r.holder, status: r.status, currency: r.currency, balance: r.balance, limit: r.max_amount })

export const resultOf = (r: LedgerRow): PaymentResult => ({ responseCode: r.response_code, approvalNumber: r.approval_number, reason: r.reason })

export const ledgerRecordOf = (r: LedgerRow): LedgerRecord => ({
    txid: r.txid,
    cardId: r.card_id,
    payment: r.payment.toString("hex"),
    amount: r.amount,
    currency: r.currency,
    result: resultOf(r),
    state: r.state,
    at: r.created_at,
})
