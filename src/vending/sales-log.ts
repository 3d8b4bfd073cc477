// The vending machine's durable sales record, in its flash settings (SettingsPort; each value
// at most 200 bytes, keys at most 13 characters):
//   vs.pending   the sale being dispensed, written and read back before the output moves
//   vs.log<i>    one sale per key, i = sequence number modulo the capacity (a ring)
//   vs.head      sequence number of the next sale to log (decimal text)
//   vs.sent      sales before this number are uploaded and may be overwritten
// A sale is one line: `<status> <nonce> <slot> <price> <currency> <card serial> <time>`, status
// DISPENSED, or UNCONFIRMED for a pending record found at boot (the power went between writing
// it and logging the sale: the item may or may not have come out, so it is not dispensed again
// and the record goes to the log to be reconciled). Nothing is overwritten before it is
// uploaded: with the ring full of unsent sales the machine sells nothing (free() is 0).
// Each write is verified (read back) before the next step. Portable: settings are injected.

import { SettingsPort } from "../card/card-store"
import { constantTimeEqual, fromUtf8 } from "../bytes"
import { FormatError } from "../format-error"

export const KEY_PENDING = "vs.pending"
export const KEY_HEAD = "vs.head"
export const KEY_SENT = "vs.sent"
export const KEY_LOG = "vs.log"
export const STATUS_DISPENSED = "DISPENSED"
export const STATUS_UNCONFIRMED = "UNCONFIRMED"
/** Sales kept until uploaded, by default. */
export const LOG_CAPACITY = 32

export interface SaleRecord {
    status: string
    /** The challenge's nonce: one sale, one nonce. */
    nonce: string
    slot: number
    price: number
    currency: number
    /** The card certificate's serial number (hex). */
    serial: string
    /** The machine's time of the sale, YYYY-MM-DDTHH:MM:SSZ. */
    at: string
}

export function encodeSale(r: SaleRecord): string {
    return r.status + " " + r.nonce + " " + r.slot + " " + r.price + " " + r.currency + " " + r.serial + " " + r.at
}

export function decodeSale(line: string): SaleRecord {
    const f = line.split(" ")
    if (f.length !== 7) throw new FormatError("a sale record has 7 fields")
    return { status: f[0], nonce: f[1], slot: parseInt(f[2]), price: parseInt(f[3]), currency: parseInt(f[4]), serial: f[5], at: f[6] }
}

export class SalesLog {
    /** Sequence number of the next sale to log. */
    head = 0
    /** Sales before this one are uploaded. */
    sent = 0
    private hasPending = false

    constructor(
        private readonly store: SettingsPort,
        readonly capacity: number = LOG_CAPACITY,
    ) {}

    private async readNumber(key: string): Promise<number> {
        const b = await this.store.read(key)
        return b === null ? 0 : parseInt(b.toString())
    }

    private async writeText(key: string, text: string): Promise<void> {
        await this.store.write(key, fromUtf8(text), true)
    }

    /** Reads the counters and whether a sale is pending. */
    async load(): Promise<void> {
        this.head = await this.readNumber(KEY_HEAD)
        this.sent = await this.readNumber(KEY_SENT)
        this.hasPending = (await this.store.read(KEY_PENDING)) !== null
    }

    /** Sales that may still be logged before the ring is full of unsent ones. */
    free(): number {
        return this.capacity - (this.head - this.sent)
    }

    pendingSale(): boolean {
        return this.hasPending
    }

    /** Writes the pending record and reads it back: the output must not move before this resolves. */
    async setPending(r: SaleRecord): Promise<void> {
        const value = fromUtf8(encodeSale(r))
        this.hasPending = true
        await this.store.write(KEY_PENDING, value, true)
        const back = await this.store.read(KEY_PENDING)
        if (back === null || !constantTimeEqual(back, value)) throw new Error("the pending sale did not persist")
    }

    /** The sale at sequence number `seq`, or null when it is not kept. */
    async sale(seq: number): Promise<SaleRecord | null> {
        if (seq < 0 || seq >= this.head || seq < this.head - this.capacity) return null
        const b = await this.store.read(KEY_LOG + (seq % this.capacity))
        return b === null ? null : decodeSale(b.toString())
    }

    private async append(r: SaleRecord): Promise<void> {
        if (this.free() < 1) throw new Error("the sales log is full of sales not uploaded")
        await this.writeText(KEY_LOG + (this.head % this.capacity), encodeSale(r))
        await this.writeText(KEY_HEAD, "" + (this.head + 1))
        this.head++
    }

    private async clearPending(): Promise<void> {
        await this.store.write(KEY_PENDING, Buffer.alloc(0), true)
        this.hasPending = false
    }

    /** After the output moved: the sale to the log, then the pending record cleared. */
    async commit(r: SaleRecord): Promise<void> {
        await this.append(r)
        await this.clearPending()
    }

    /**
     * A pending record left by a power cut or a fault: logged as UNCONFIRMED (never dispensed
     * again) and cleared. Null when there was none, or when the sale had been logged already (the
     * cut came between logging it and clearing the record). Throws, keeping the record, when the
     * log has no room.
     */
    async recover(): Promise<SaleRecord | null> {
        const b = await this.store.read(KEY_PENDING)
        if (b === null) {
            this.hasPending = false
            return null
        }
        let r: SaleRecord
        try {
            r = decodeSale(b.toString())
        } catch (e) {
            if (!(e instanceof FormatError)) throw e
            r = { status: STATUS_UNCONFIRMED, nonce: "unreadable", slot: 0, price: 0, currency: 0, serial: "-", at: "-" }
        }
        const last = await this.sale(this.head - 1)
        if (last !== null && last.nonce === r.nonce) {
            await this.clearPending()
            return null
        }
        r.status = STATUS_UNCONFIRMED
        await this.append(r)
        await this.clearPending()
        return r
    }

    /** The sales not uploaded yet, oldest first, at most `max`, as lines. */
    async unsent(max: number): Promise<string[]> {
        const out: string[] = []
        for (let seq = this.sent; seq < this.head && out.length < max; seq++) {
            const b = await this.store.read(KEY_LOG + (seq % this.capacity))
            if (b !== null) out.push(seq + " " + b.toString())
        }
        return out
    }

    /** The sales before `seq` are uploaded: their keys may be reused. */
    async markSent(seq: number): Promise<void> {
        if (seq <= this.sent || seq > this.head) return
        await this.writeText(KEY_SENT, "" + seq)
        this.sent = seq
    }
}
