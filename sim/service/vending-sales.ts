// The service provider's book of vending machine sales (POST /vending/sales, src/vending/sales-upload.ts):
// each machine's sales by sequence number, kept once however often a machine sends them again
// (an answer lost on the way), appended to a text file in the data folder and read back at start.
// An upload starts `MACHINE <id> <token>`: the machine's token, checked by the caller.
// A sale line is the machine's own: `<status> <nonce> <slot> <price> <currency> <serial> <time>`,
// status DISPENSED or UNCONFIRMED (a sale whose dispense a power cut left in doubt).

import { appendFileSync, existsSync, readFileSync } from "node:fs"
import { join } from "node:path"

const MACHINE_ID = /^[A-Z0-9-]{1,24}$/
const TOKEN = /^[\x21-\x7e]{16,64}$/
const SALE = /^(DISPENSED|UNCONFIRMED) [0-9a-z]{1,32} [0-9] [0-9]{1,15} [0-9]{1,4} [0-9A-Za-z-]{1,64} [0-9TZ:-]{1,20}$/

export class VendingSalesError extends Error {
    /** The HTTP status that answers it: 400 for a malformed upload, 401 for an unknown machine or a wrong token. */
    constructor(
        message: string,
        readonly status = 400,
    ) {
        super(message)
    }
}

export class VendingSales {
    private readonly sales = new Map<string, Map<number, string>>()
    private readonly file: string

    constructor(dataDir: string) {
        this.file = join(dataDir, "vending-sales.txt")
        if (existsSync(this.file)) {
            for (const l of readFileSync(this.file, "utf8").split("\n")) {
                const [machine, seq, ...sale] = l.split(" ")
                if (sale.length > 0) this.keep(machine, parseInt(seq), sale.join(" "), false)
            }
        }
    }

    private keep(machine: string, seq: number, sale: string, write: boolean): void {
        let book = this.sales.get(machine)
        if (book === undefined) this.sales.set(machine, (book = new Map()))
        if (book.has(seq)) return
        book.set(seq, sale)
        if (write) appendFileSync(this.file, `${machine} ${seq} ${sale}\n`)
    }

    /** The sequence number after the machine's sales kept without a gap from 0. */
    next(machine: string): number {
        const book = this.sales.get(machine)
        let n = 0
        while (book?.has(n)) n++
        return n
    }

    /**
     * Takes an upload's body from a machine that `isMachine` knows by its ID and token; the machine
     * and its next sequence number. Throws VendingSalesError for a malformed upload or a stranger.
     */
    upload(body: string, isMachine: (id: string, token: string) => boolean): { machine: string; next: number } {
        const lines = body.split("\n").filter((l) => l !== "")
        const head = /^MACHINE (\S+) (\S+)$/.exec(lines[0] ?? "")
        if (head === null || !MACHINE_ID.test(head[1]) || !TOKEN.test(head[2])) throw new VendingSalesError("the first line must be MACHINE <id> <token>")
        // One answer for an unknown machine and a wrong token: the answer does not tell which IDs exist.
        if (!isMachine(head[1], head[2])) throw new VendingSalesError("unknown machine or wrong token", 401)
        const parsed = lines.slice(1).map((l) => {
            const space = l.indexOf(" ")
            const seq = Number(l.slice(0, space))
            const sale = l.slice(space + 1)
            if (space < 1 || !Number.isSafeInteger(seq) || seq < 0 || !SALE.test(sale)) throw new VendingSalesError(`not a sale line: ${l.slice(0, 80)}`)
            return { seq, sale }
        })
        for (const p of parsed) this.keep(head[1], p.seq, p.sale, true)
        return { machine: head[1], next: this.next(head[1]) }
    }

    /** A machine's sales, oldest first (for tests and the operator). */
    list(machine: string): { seq: number; sale: string }[] {
        return [...(this.sales.get(machine) ?? new Map<number, string>()).entries()].sort((a, b) => a[0] - b[0]).map(([seq, sale]) => ({ seq, sale }))
    }
}
