// A child process for the storage crash test: opens the data folder given as argument (and holds
// the server lock on it), or the PostgreSQL database when the argument is a postgres:// URL, issues a card (ID and balance from the arguments), then decides payments
// from 32 concurrent writers
// and prints "ACK <txid> <approval number>" for each one after its decision resolved (committed).
// Runs until it is killed.

import { randomBytes } from "node:crypto"
import { paymentRules } from "../../sim/server/ledger-ports"
import { openServerStore, serverLock } from "../../sim/server/open-store"
import { encodePayment, type Payment } from "../../src/payment/payment"

const [place, cardId, balance] = process.argv.slice(2)
const postgres = place.startsWith("postgres")
const store = await openServerStore(place, postgres ? { db: place } : {})
if (!postgres) serverLock(place)
await store.addCard(
    { cardId, pan: "9400000000009999", holder: "CRASH TEST", status: "active", currency: 410, balance: Number(balance), limit: 1_000_000 },
    { k: "00".repeat(16), opc: "11".repeat(16), seq: 1, ind: 0 },
)
console.log("READY")
let n = 0
const writer = async () => {
    for (;;) {
        const payment: Payment = { amount: 1 + (n++ % 999), currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: randomBytes(8) }
        const txid = payment.transactionId.toString("hex")
        const result = await store.decide(txid, cardId, payment, encodePayment(payment), paymentRules)
        process.stdout.write(`ACK ${txid} ${result.approvalNumber}\n`)
    }
}
await Promise.all(Array.from({ length: 32 }, writer))
