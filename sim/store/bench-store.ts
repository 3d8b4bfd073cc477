// Throughput of the store under the payment server's write pattern, with real fsyncs.
// One payment = two transactions, each acknowledged only once on disk:
//   1. start: idempotency check + pending payment record (payment info stored before authentication)
//   2. approve: card SQN update (AuC), pending -> payment record, ledger entry, idempotency record
// `concurrency` payments are in flight at once, as with that many terminals waiting on the server.
//
//   npx tsx sim/store/bench-store.ts [payments=20000] [concurrency=256] [compactBytes]

import { mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { JournalStore } from "./journal-store"

export interface BenchOptions {
    /** Payments in flight at once (default 256). */
    concurrency?: number
    /** Passed to the store: a small value exercises compaction during the run. */
    compactBytes?: number
    /** Cards in the registry (default 1000). */
    cards?: number
}

export interface BenchResult {
    payments: number
    transactions: number
    concurrency: number
    seconds: number
    paymentsPerSecond: number
    transactionsPerSecond: number
    /** Every fsync/fdatasync during the run (journal, snapshot, directory). */
    fsyncs: number
    /** Group commits during the run. */
    batches: number
    meanBatch: number
    compactions: number
    /** From the start of a payment to the acknowledgement of its approval. */
    latencyMs: { p50: number; p99: number; max: number }
}

interface Card {
    cardId: string
    k: string
    opc: string
    sqn: number
    pan: string
}

/** Runs n payments against a store in dir (which should be empty) and reports the throughput. */
export async function benchStore(dir: string, n: number, options: BenchOptions = {}): Promise<BenchResult> {
    const concurrency = options.concurrency ?? 256
    const cards = options.cards ?? 1000
    const store = await JournalStore.open(dir, { compactBytes: options.compactBytes })
    try {
        await store.transaction((tx) => {
            for (let i = 0; i < cards; i++) {
                const card: Card = { cardId: `card-${i}`, k: "00".repeat(16), opc: "11".repeat(16), sqn: 32, pan: `4000${String(i).padStart(12, "0")}` }
                tx.put("cards", card.cardId, card)
            }
        })
        const before = store.stats()
        const latencies: number[] = []
        let next = 0
        const started = performance.now()
        const worker = async () => {
            for (let i = next++; i < n; i = next++) {
                const t0 = performance.now()
                const paymentId = `pay-${i}`
                const requestId = `req-${i}`
                const cardId = `card-${i % cards}`
                await store.transaction((tx) => {
                    if (tx.has("idempotency", requestId)) return
                    tx.put("pending", paymentId, { paymentId, cardId, amount: 1250 + (i % 100), currency: "KRW", merchant: "M-000123", terminal: "T-42", createdAt: Date.now() })
                    tx.put("idempotency", requestId, { paymentId, state: "pending" })
                })
                const approval = String(100000 + (i % 900000))
                await store.transaction((tx) => {
                    const pending = tx.get<{ amount: number; currency: string; merchant: string }>("pending", paymentId)
                    const card = tx.get<Card>("cards", cardId)
                    if (!pending || !card) throw new Error("bench: missing record")
                    tx.put("cards", cardId, { ...card, sqn: card.sqn + 32 })
                    tx.delete("pending", paymentId)
                    tx.put("payments", paymentId, { ...pending, paymentId, cardId, status: "approved", approval, responseCode: "00", at: Date.now() })
                    tx.put("ledger", `${paymentId}:debit`, { paymentId, account: card.pan.slice(-4), amount: -pending.amount, currency: pending.currency })
                    tx.put("idempotency", requestId, { paymentId, state: "done", responseCode: "00", approval })
                })
                latencies.push(performance.now() - t0)
            }
        }
        await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
        const seconds = (performance.now() - started) / 1000
        const after = store.stats()
        latencies.sort((a, b) => a - b)
        const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0)
        const batches = after.batches - before.batches
        const transactions = after.transactions - before.transactions
        return {
            payments: n,
            transactions,
            concurrency,
            seconds: round(seconds),
            paymentsPerSecond: Math.round(n / seconds),
            transactionsPerSecond: Math.round(transactions / seconds),
            fsyncs: after.fsyncs - before.fsyncs,
            batches,
            meanBatch: round(transactions / Math.max(1, batches)),
            compactions: after.compactions - before.compactions,
            latencyMs: { p50: at(0.5), p99: at(0.99), max: round(latencies[latencies.length - 1] ?? 0) },
        }
    } finally {
        await store.close()
    }
}

function round(x: number): number {
    return Math.round(x * 100) / 100
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
    const n = Number(process.argv[2] ?? 20000)
    const concurrency = Number(process.argv[3] ?? 256)
    const compactBytes = process.argv[4] ? Number(process.argv[4]) : undefined
    const dir = mkdtempSync(join(tmpdir(), "store-bench-"))
    try {
        const r = await benchStore(dir, n, { concurrency, compactBytes })
        console.log(`store bench in ${dir} (${process.platform}, Node ${process.version})`)
        console.log(`${r.payments} payments (${r.transactions} transactions), ${r.concurrency} in flight, ${r.seconds} s`)
        console.log(`  ${r.paymentsPerSecond} payments/s, ${r.transactionsPerSecond} transactions/s`)
        console.log(`  ${r.batches} group commits (mean ${r.meanBatch} transactions each), ${r.fsyncs} fsyncs, ${r.compactions} compactions`)
        console.log(`  approval latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`)
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
}
