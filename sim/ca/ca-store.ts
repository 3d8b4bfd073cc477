// The certification authority's durable state: SQLite (better-sqlite3) in the data folder, WAL with
// synchronous=FULL, so that a registration, an issued certificate, a confirmation or a revocation
// is on disk before anything is answered, and a kill -9 loses none of them. Schema changes are SQL
// files in migrations/, applied at start-up like the payment server's. Each step of an enrolment
// is one SQL transaction that checks the state it moves from, so that a retransmitted or
// concurrent request can never enrol a reference twice.

import Database from "better-sqlite3"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { randomInt } from "node:crypto"
import { migrations } from "../db/migrate"
import { openDurableSqlite } from "../db/durable-sqlite"

export const CA_DATABASE_FILE = "ca.db"

export interface Registration {
    reference: string
    name: string
    phone: string
    secret: string
    state: "registered" | "issued" | "enrolled"
}

export interface Transaction {
    transactionId: Buffer
    reference: string
    state: "waiting" | "confirmed" | "rejected"
    nonce: Buffer
    serial: string
    certReqId: number
    /** When the CA last answered in it (ms since the epoch). */
    updatedAt: number
}

export interface CertificateRecord {
    serial: string
    reference: string | null
    subject: string
    der: Buffer
    notBefore: number
    notAfter: number
    status: "issued" | "good" | "revoked"
    revokedAt: number | null
    reason: number | null
}

export interface IssuedCertificate {
    serial: string
    subject: string
    der: Buffer
    notBefore: number
    notAfter: number
}

export interface StoredCrl {
    number: number
    revocations: number
    thisUpdate: number
    der: Buffer
}

/** Refused input or a state that does not allow the step (the caller maps it to a CMP error or an exit code). */
export class CaStateError extends Error {}

/** A serial number as stored: lower-case hex without leading zeros or separators; null if not hex. */
export function normaliseSerial(hex: string): string | null {
    const h = hex.replace(/[:\s]/g, "").toLowerCase()
    if (!/^[0-9a-f]{1,64}$/.test(h)) return null
    return h.replace(/^0+(?=.)/, "")
}

/** Digits a person types on a keypad: the reference number (12) and the one-time secret (16, about 53 bits). */
function digits(n: number): string {
    let s = ""
    for (let i = 0; i < n; i++) s += String(randomInt(10))
    return s
}
export const REFERENCE_DIGITS = 12
export const SECRET_DIGITS = 16

export class CaStore {
    private readonly s

    private constructor(private readonly db: Database.Database) {
        const p = (sql: string) => db.prepare(sql)
        this.s = {
            insertRegistration: p("INSERT INTO registrations (reference, name, phone, secret, state, created_at) VALUES (?, ?, ?, ?, 'registered', ?)"),
            registration: p("SELECT reference, name, phone, secret, state FROM registrations WHERE reference = ?"),
            setRegistrationState: p("UPDATE registrations SET state = ? WHERE reference = ? AND state = ?"),
            eraseSecret: p("UPDATE registrations SET secret = '' WHERE reference = ?"),
            insertCertificate: p("INSERT INTO certificates (serial, reference, subject, der, not_before, not_after, status) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            certificate: p("SELECT serial, reference, subject, der, not_before AS notBefore, not_after AS notAfter, status, revoked_at AS revokedAt, reason FROM certificates WHERE serial = ?"),
            setCertificateStatus: p("UPDATE certificates SET status = ? WHERE serial = ? AND status = ?"),
            revoke: p("UPDATE certificates SET status = 'revoked', revoked_at = ?, reason = ? WHERE serial = ? AND status <> 'revoked'"),
            revoked: p("SELECT serial, revoked_at AS revokedAt, reason FROM certificates WHERE status = 'revoked' ORDER BY revoked_at, serial"),
            revokedCount: p("SELECT count(*) FROM certificates WHERE status = 'revoked'").pluck(),
            insertTransaction: p("INSERT INTO transactions (transaction_id, reference, state, nonce, serial, cert_req_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            transaction: p("SELECT transaction_id AS transactionId, reference, state, nonce, serial, cert_req_id AS certReqId, updated_at AS updatedAt FROM transactions WHERE transaction_id = ?"),
            waitingOf: p("SELECT transaction_id AS transactionId, reference, state, nonce, serial, cert_req_id AS certReqId, updated_at AS updatedAt FROM transactions WHERE reference = ? AND state = 'waiting'"),
            setTransactionState: p("UPDATE transactions SET state = ?, nonce = ?, updated_at = ? WHERE transaction_id = ? AND state = 'waiting'"),
            crl: p("SELECT number, revocations, this_update AS thisUpdate, der FROM crl WHERE id = 1"),
            putCrl: p("INSERT INTO crl (id, number, revocations, this_update, der) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET number = excluded.number, revocations = excluded.revocations, this_update = excluded.this_update, der = excluded.der"),
            counts: p("SELECT (SELECT count(*) FROM registrations) AS registrations, (SELECT count(*) FROM certificates) AS certificates, (SELECT count(*) FROM certificates WHERE status = 'revoked') AS revoked"),
        }
    }

    /** Opens (creating and migrating) the database in `dir`, which the caller has made private. */
    static open(dir: string): CaStore {
        const file = join(dir, CA_DATABASE_FILE)
        return new CaStore(openDurableSqlite(file, migrations("ca", join(dirname(fileURLToPath(import.meta.url)), "migrations"))))
    }

    close(): void {
        this.db.close()
    }

    /** Records a person; returns the new reference number and one-time secret. */
    register(name: string, phone: string, now = Date.now()): { reference: string; secret: string } {
        for (;;) {
            const reference = digits(REFERENCE_DIGITS)
            const secret = digits(SECRET_DIGITS)
            try {
                this.s.insertRegistration.run(reference, name, phone, secret, now)
                return { reference, secret }
            } catch (e) {
                if ((e as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw e
            }
        }
    }

    registration(reference: string): Registration | undefined {
        return this.s.registration.get(reference) as Registration | undefined
    }

    transaction(transactionId: Buffer): Transaction | undefined {
        return this.s.transaction.get(transactionId) as Transaction | undefined
    }

    certificate(serial: string): CertificateRecord | undefined {
        return this.s.certificate.get(serial) as CertificateRecord | undefined
    }

    /**
     * Records the certificate issued to a registered reference and the transaction that carries
     * it. With implicit confirmation the enrolment ends here (the secret is erased); otherwise
     * the transaction waits for certConf, whose recipNonce must be `nonce`.
     */
    issue(reference: string, transactionId: Buffer, nonce: Buffer, certReqId: number, cert: IssuedCertificate, implicitConfirm: boolean, now = Date.now()): void {
        this.db.transaction(() => {
            if (this.s.setRegistrationState.run(implicitConfirm ? "enrolled" : "issued", reference, "registered").changes !== 1) throw new CaStateError("reference number already used")
            this.s.insertCertificate.run(cert.serial, reference, cert.subject, cert.der, cert.notBefore, cert.notAfter, implicitConfirm ? "good" : "issued")
            this.s.insertTransaction.run(transactionId, reference, implicitConfirm ? "confirmed" : "waiting", nonce, cert.serial, certReqId, now)
            if (implicitConfirm) this.s.eraseSecret.run(reference)
        }).immediate()
    }

    /**
     * Ends a waiting transaction with the holder's certConf: accepted, the certificate is good
     * and the reference enrolled; rejected, the certificate is revoked (cessationOfOperation) and
     * the reference is spent all the same. Either way the secret is erased.
     */
    confirm(transactionId: Buffer, accepted: boolean, nonce: Buffer, now = Date.now()): void {
        this.db.transaction(() => {
            const t = this.transaction(transactionId)
            if (t === undefined || this.s.setTransactionState.run(accepted ? "confirmed" : "rejected", nonce, now, transactionId).changes !== 1) throw new CaStateError("transaction not waiting for confirmation")
            if (accepted) this.s.setCertificateStatus.run("good", t.serial, "issued")
            else this.s.revoke.run(now, CRL_REASON.cessationOfOperation, t.serial)
            this.s.setRegistrationState.run("enrolled", t.reference, "issued")
            this.s.eraseSecret.run(t.reference)
        }).immediate()
    }

    /** The transaction of a reference that waits for its certConf, if any. */
    waitingOf(reference: string): Transaction | undefined {
        return this.s.waitingOf.get(reference) as Transaction | undefined
    }

    /**
     * Ends a transaction whose certConf never came: the certificate is revoked
     * (cessationOfOperation) and the reference may enrol again with the same secret.
     */
    expire(t: Transaction, now = Date.now()): void {
        this.db.transaction(() => {
            if (this.s.setTransactionState.run("rejected", t.nonce, now, t.transactionId).changes !== 1) return
            this.s.revoke.run(now, CRL_REASON.cessationOfOperation, t.serial)
            this.s.setRegistrationState.run("registered", t.reference, "issued")
        }).immediate()
    }

    /** Revokes a certificate; false when it was already revoked. Throws CaStateError for an unknown serial. */
    revoke(serial: string, reason: number, now = Date.now()): boolean {
        if (this.certificate(serial) === undefined) throw new CaStateError(`no certificate with serial ${serial}`)
        return this.s.revoke.run(now, reason, serial).changes === 1
    }

    revoked(): { serial: string; revokedAt: number; reason: number }[] {
        return this.s.revoked.all() as { serial: string; revokedAt: number; reason: number }[]
    }

    revokedCount(): number {
        return this.s.revokedCount.get() as number
    }

    crl(): StoredCrl | undefined {
        return this.s.crl.get() as StoredCrl | undefined
    }

    putCrl(c: StoredCrl): void {
        this.s.putCrl.run(c.number, c.revocations, c.thisUpdate, c.der)
    }

    counts(): { registrations: number; certificates: number; revoked: number } {
        return this.s.counts.get() as { registrations: number; certificates: number; revoked: number }
    }
}

/** CRLReason codes (RFC 5280 5.3.1) by name. */
export const CRL_REASON = {
    unspecified: 0,
    keyCompromise: 1,
    cACompromise: 2,
    affiliationChanged: 3,
    superseded: 4,
    cessationOfOperation: 5,
    certificateHold: 6,
    removeFromCRL: 8,
    privilegeWithdrawn: 9,
    aACompromise: 10,
} as const
export type CrlReasonName = keyof typeof CRL_REASON
