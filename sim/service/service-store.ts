// The service provider's durable state: accounts and transfers in SQLite (WAL, synchronous=FULL,
// migrations in migrations/). A transfer moves through named states, each step one SQL
// transaction that checks the state it moves from, so a transfer is performed at most once
// however often, or however concurrently, its signature arrives:
//
//   awaiting-signature --(valid signature, funds)--> performed
//   awaiting-signature --(definite refusal)--------> refused
//   awaiting-signature --(no signature in time)----> expired

import Database from "better-sqlite3"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { migrations } from "../db/migrate"
import { openDurableSqlite } from "../db/durable-sqlite"

export const SERVICE_DATABASE_FILE = "service.db"

export type TransferState = "awaiting-signature" | "performed" | "refused" | "expired"

export interface Account {
    number: string
    holder: string
    phone: string
    balance: number
}

export interface Transfer {
    id: string
    fromAccount: string
    toAccount: string
    amount: number
    phone: string
    method: "certificate"
    history: Buffer
    state: TransferState
    reason: string | null
    signerSubject: string | null
    signerSerial: string | null
    signatureHash: string | null
    createdAt: number
    expiresAt: number
    updatedAt: number
    terminalId: string | null
}

/** A merchant terminal: the account it pays into, and the SHA-256 of its token. */
export interface Terminal {
    id: string
    account: string
    tokenHash: Buffer
}

export interface NewTransfer {
    id: string
    fromAccount: string
    toAccount: string
    amount: number
    phone: string
    history: Buffer
    createdAt: number
    expiresAt: number
    /** The terminal that asked for it; absent for the web page. */
    terminalId?: string
}

/** A vending machine that uploads its sales: its ID and the SHA-256 of its token. */
export interface VendingMachine {
    id: string
    tokenHash: Buffer
}

export interface Signer {
    subject?: string
    serial?: string
    signatureHash: string
}

const TRANSFER_COLUMNS =
    "id, from_account AS fromAccount, to_account AS toAccount, amount, phone, method, history, state, reason, signer_subject AS signerSubject, signer_serial AS signerSerial, signature_hash AS signatureHash, created_at AS createdAt, expires_at AS expiresAt, updated_at AS updatedAt, terminal_id AS terminalId"

export class ServiceStore {
    private readonly s

    private constructor(private readonly db: Database.Database) {
        const p = (sql: string) => db.prepare(sql)
        this.s = {
            insertAccount: p("INSERT INTO accounts (number, holder, phone, balance) VALUES (?, ?, ?, ?)"),
            account: p("SELECT number, holder, phone, balance FROM accounts WHERE number = ?"),
            accounts: p("SELECT number, holder, phone, balance FROM accounts ORDER BY number"),
            accountCount: p("SELECT count(*) FROM accounts").pluck(),
            accountsOfPhone: p("SELECT number, holder, phone, balance FROM accounts WHERE phone = ? ORDER BY number"),
            putTerminal: p("INSERT INTO terminals (id, account, token_hash) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET account = excluded.account, token_hash = excluded.token_hash"),
            terminal: p("SELECT id, account, token_hash AS tokenHash FROM terminals WHERE id = ?"),
            putMachine: p("INSERT INTO vending_machines (id, token_hash) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash"),
            machine: p("SELECT id, token_hash AS tokenHash FROM vending_machines WHERE id = ?"),
            move: p("UPDATE accounts SET balance = balance + ? WHERE number = ?"),
            insertTransfer: p("INSERT INTO transfers (id, from_account, to_account, amount, phone, method, history, state, created_at, expires_at, updated_at, terminal_id) VALUES (?, ?, ?, ?, ?, 'certificate', ?, 'awaiting-signature', ?, ?, ?, ?)"),
            transfer: p(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = ?`),
            finish: p("UPDATE transfers SET state = ?, reason = ?, signer_subject = ?, signer_serial = ?, signature_hash = ?, updated_at = ? WHERE id = ? AND state = 'awaiting-signature'"),
            note: p("UPDATE transfers SET reason = ?, updated_at = ? WHERE id = ? AND state = 'awaiting-signature'"),
            due: p("SELECT id FROM transfers WHERE state = 'awaiting-signature' AND expires_at <= ?").pluck(),
            expire: p("UPDATE transfers SET state = 'expired', reason = 'expired: no signature in time', updated_at = ? WHERE id = ? AND state = 'awaiting-signature'"),
        }
    }

    /** Opens (creating and migrating) the database in `dir`, which the caller has made private. */
    static open(dir: string): ServiceStore {
        return new ServiceStore(openDurableSqlite(join(dir, SERVICE_DATABASE_FILE), migrations("service", join(dirname(fileURLToPath(import.meta.url)), "migrations"))))
    }

    close(): void {
        this.db.close()
    }

    addAccount(a: Account): void {
        this.s.insertAccount.run(a.number, a.holder, a.phone, a.balance)
    }

    account(number: string): Account | undefined {
        return this.s.account.get(number) as Account | undefined
    }

    accounts(): Account[] {
        return this.s.accounts.all() as Account[]
    }

    accountCount(): number {
        return this.s.accountCount.get() as number
    }

    /** The accounts registered for a phone number, by number. */
    accountsOfPhone(phone: string): Account[] {
        return this.s.accountsOfPhone.all(phone) as Account[]
    }

    /** Registers a terminal, or gives a registered one a new account and token hash. */
    putTerminal(t: Terminal): void {
        this.s.putTerminal.run(t.id, t.account, t.tokenHash)
    }

    terminal(id: string): Terminal | undefined {
        return this.s.terminal.get(id) as Terminal | undefined
    }

    putMachine(m: VendingMachine): void {
        this.s.putMachine.run(m.id, m.tokenHash)
    }

    machine(id: string): VendingMachine | undefined {
        return this.s.machine.get(id) as VendingMachine | undefined
    }

    createTransfer(t: NewTransfer): void {
        this.s.insertTransfer.run(t.id, t.fromAccount, t.toAccount, t.amount, t.phone, t.history, t.createdAt, t.expiresAt, t.createdAt, t.terminalId ?? null)
    }

    transfer(id: string): Transfer | undefined {
        return this.s.transfer.get(id) as Transfer | undefined
    }

    /**
     * Performs an awaiting transfer signed by `signer`: moves the money and the state in one
     * transaction. Past its expiry it expires instead; without the funds it is refused. A transfer
     * no longer awaiting is left as it is. Returns the transfer as it now stands, and whether
     * this call performed it.
     */
    perform(id: string, signer: Signer, now = Date.now()): { transfer: Transfer | undefined; performedNow: boolean } {
        const performedNow = this.db
            .transaction((): boolean => {
                const t = this.transfer(id)
                if (t === undefined || t.state !== "awaiting-signature") return false
                if (t.expiresAt <= now) {
                    this.s.expire.run(now, id)
                    return false
                }
                const from = this.account(t.fromAccount)
                if (from === undefined || from.balance < t.amount) {
                    this.s.finish.run("refused", "insufficient funds", signer.subject ?? null, signer.serial ?? null, signer.signatureHash, now, id)
                    return false
                }
                this.s.move.run(-t.amount, t.fromAccount)
                this.s.move.run(t.amount, t.toAccount)
                this.s.finish.run("performed", null, signer.subject ?? null, signer.serial ?? null, signer.signatureHash, now, id)
                return true
            })
            .immediate()
        return { transfer: this.transfer(id), performedNow }
    }

    /** Refuses an awaiting transfer for good; returns the transfer as it now stands. */
    refuse(id: string, reason: string, signer: Signer, now = Date.now()): Transfer | undefined {
        this.s.finish.run("refused", reason, signer.subject ?? null, signer.serial ?? null, signer.signatureHash, now, id)
        return this.transfer(id)
    }

    /** Records a retryable failure on an awaiting transfer, which goes on awaiting. */
    note(id: string, reason: string, now = Date.now()): Transfer | undefined {
        this.s.note.run(reason, now, id)
        return this.transfer(id)
    }

    /** Expires the awaiting transfers whose time is up; returns their IDs. */
    expireDue(now = Date.now()): string[] {
        return this.db
            .transaction(() => {
                const ids = this.s.due.all(now) as string[]
                return ids.filter((id) => this.s.expire.run(now, id).changes === 1)
            })
            .immediate()
    }
}
