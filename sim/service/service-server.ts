// The service provider of the certificate patent's first embodiment: an online bank whose
// customer asks for a transfer on a web page; the bank writes the canonical transaction history,
// tells the customer's card by SMS (`ACSIGN <id>`), and performs the transfer once the card's CMS
// signature over exactly that history verifies against the trusted CA, with fresh OCSP status.
//
// HTTP:
//   GET  /, /app.js, /style.css     the page
//   GET  /accounts                  the accounts (JSON)
//   POST /transfers                 a transfer request (JSON) -> 201 and the transfer, or 400 {error}
//   GET  /transfers/<id>            the transfer (JSON)
//   GET  /transfers/<id>/events     its changes, as Server-Sent Events
//   GET  /card/history/<id>         the history's exact bytes (text/plain), while it awaits a signature
//   POST /card/signature/<id>       the CMS DER (application/pkcs7-mime) -> one line, OK or REFUSED
//   POST /terminal/transactions     a merchant terminal's payment (form) -> 201 and the history's
//                                   bytes (text/plain), or one line REFUSED <reason>
//   POST /vending/sales             a vending machine's sales log (text/plain, vending-sales.ts),
//                                   from a machine registered with its token (401 otherwise)
//                                   -> "OK <next sequence number> <seconds since 1970>"
//
// The second embodiment ([55]-[63]): a merchant terminal asks for a payment from the account
// registered for the holder's phone to the merchant's account, passes the history to the card
// over infrared, and posts the card's signature back to POST /card/signature/<id>. The terminal
// proves itself with a token of its own (form field `token`): the service keeps its SHA-256 and
// the merchant account it pays into, so a terminal cannot direct money anywhere else, and what
// the token alone can do is ask a holder's card to sign; nothing moves without that signature.
//
// The answer to a signature: 200 `OK performed` / `OK already performed` / `REFUSED <reason>` for a
// definite answer; 503 `REFUSED status unknown: ... (try again)` when the CA could not confirm the
// certificate's status (the transfer goes on awaiting); 400 for a body that is not a CMS
// SignedData, 404 for an unknown transaction, 413/415 for the wrong size or type.

import { createHash, randomInt, timingSafeEqual } from "node:crypto"
import { EventEmitter } from "node:events"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Certificate } from "@peculiar/asn1-x509"
import { encodeHistory, type TransactionHistory } from "../../src/certificate/transaction-history"
import { listen } from "../http-listen"
import { pageFile } from "../page-files"
import { privateFolder } from "../private-folder"
import { parseWhole } from "../server/fields"
import { checkSignature, loadCaCertificate, MalformedSignature, type Trust } from "./signature-check"
import { ServiceStore, type Account, type NewTransfer, type Transfer } from "./service-store"
import { LogSmsSender, type SmsSender } from "./sms-sender"
import { VendingSales, VendingSalesError } from "./vending-sales"

export interface ServiceConfig {
    dataDir: string
    host: string
    port: number
    /** The trusted CA's certificate: a file (PEM or DER) or an http(s) URL. */
    caCertificate: string
    /** Where to ask for certificate status; default: each certificate's AIA OCSP URL. */
    ocspUrl?: string
    ocspTimeoutMs: number
    /** The bank's name, the history's BY line. */
    name: string
    /** How long a transfer waits for its signature. */
    signatureWaitMs: number
    /** How SMS notices leave; default: written to the log. */
    sms?: SmsSender
    log: (line: string) => void
    now: () => Date
}

export const DEFAULT_SERVICE_CONFIG: ServiceConfig = {
    dataDir: join("data", "service"),
    host: "127.0.0.1",
    port: 8830,
    caCertificate: join("data", "ca", "ca.pem"),
    ocspTimeoutMs: 5000,
    name: "activecard Demo Bank",
    signatureWaitMs: 5 * 60 * 1000,
    log: (line) => console.log(`[service] ${line}`),
    now: () => new Date(),
}

/** The accounts a new data folder starts with (the phone numbers of docs/ca.md's examples). */
export const DEMO_ACCOUNTS: Account[] = [
    { number: "110-234-567890", holder: "Alice Kim", phone: "+821012345678", balance: 5_000_000 },
    { number: "220-987-654321", holder: "Minsu Park", phone: "+821098765432", balance: 1_000_000 },
]

const MAX_AMOUNT = 10_000_000_000
const MAX_SIGNATURE_BYTES = 16 * 1024
const MAX_FORM_BYTES = 4 * 1024
const ID_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), "public")
const HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}

/** A request the service refuses with 400 (or `status`) and this message. */
export class TransferRequestError extends Error {
    constructor(
        message: string,
        readonly status = 400,
    ) {
        super(message)
    }
}

/** The currency the bank keeps its accounts in: KRW (ISO 4217 410, no minor unit). */
export const BANK_CURRENCY = 410

/** The SHA-256 of a terminal's or a vending machine's token, the form the service keeps it in. */
export function tokenSha256(token: string): Buffer {
    return createHash("sha256").update(token, "utf8").digest()
}

/** What the page sees of a transfer. */
export interface TransferView {
    id: string
    state: Transfer["state"]
    reason: string | null
    fromAccount: string
    toAccount: string
    amount: number
    phone: string
    history: string
    signer: { subject: string | null; serial: string | null } | null
    expiresAt: string
}

function view(t: Transfer): TransferView {
    return {
        id: t.id,
        state: t.state,
        reason: t.reason,
        fromAccount: t.fromAccount,
        toAccount: t.toAccount,
        amount: t.amount,
        phone: t.phone,
        history: t.history.toString("latin1"),
        signer: t.signerSubject === null && t.signerSerial === null ? null : { subject: t.signerSubject, serial: t.signerSerial },
        expiresAt: new Date(t.expiresAt).toISOString(),
    }
}

/** "1,234,567" */
function grouped(n: number): string {
    return String(n).replace(/\B(?=(\d{3})+$)/g, ",")
}

function isPrintable(s: string): boolean {
    return /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s)
}

export class ServiceServer {
    readonly changes = new EventEmitter()
    private readonly timer: NodeJS.Timeout
    readonly vendingSales: VendingSales

    private constructor(
        private readonly server: Server,
        readonly store: ServiceStore,
        private readonly config: ServiceConfig,
        private readonly trust: Trust,
        private readonly sms: SmsSender,
        readonly port: number,
        readonly baseUrl: string,
    ) {
        this.changes.setMaxListeners(0)
        this.vendingSales = new VendingSales(config.dataDir)
        this.timer = setInterval(() => this.expire(), 1000)
        this.timer.unref()
    }

    static async start(partial: Partial<ServiceConfig> = {}): Promise<ServiceServer> {
        const config = { ...DEFAULT_SERVICE_CONFIG, ...partial }
        let ca: Certificate
        try {
            ca = await loadCaCertificate(config.caCertificate)
        } catch (e) {
            throw new Error(`the trusted CA certificate: ${(e as Error).message.includes("ENOENT") ? `${config.caCertificate} does not exist (start the CA once: npm run ca; or give --ca FILE|URL)` : (e as Error).message}`)
        }
        privateFolder(config.dataDir, "the service keeps its database there")
        const store = ServiceStore.open(config.dataDir)
        if (store.accountCount() === 0) for (const a of DEMO_ACCOUNTS) store.addAccount(a)
        const server = createServer()
        const port = await listen(server, config.port, config.host, () => store.close())
        const baseUrl = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`
        const trust: Trust = { ca, ocspUrl: config.ocspUrl, ocspTimeoutMs: config.ocspTimeoutMs, now: config.now }
        const service = new ServiceServer(server, store, config, trust, config.sms ?? new LogSmsSender(config.log), port, baseUrl)
        server.requestTimeout = 10_000
        server.headersTimeout = 5_000
        server.on("request", (req, res) => void service.route(req, res))
        server.on("clientError", (_e, socket) => socket.destroy())
        return service
    }

    async stop(): Promise<void> {
        clearInterval(this.timer)
        await new Promise<void>((resolve) => {
            this.server.close(() => resolve())
            this.server.closeAllConnections()
        })
        this.store.close()
    }

    private changed(t: Transfer | undefined): void {
        if (t !== undefined) this.changes.emit(t.id, t)
    }

    private expire(): void {
        for (const id of this.store.expireDue(this.config.now().getTime())) {
            this.config.log(`transfer ${id}: expired without a signature`)
            this.changed(this.store.transfer(id))
        }
    }

    /** Records a transfer request, writes its history and sends the card its SMS notice. */
    async requestTransfer(input: Record<string, unknown>): Promise<Transfer> {
        const text = (name: string) => {
            const v = input[name]
            if (typeof v !== "string" || v.trim() === "") throw new TransferRequestError(`${name} is required`)
            return v.trim()
        }
        const from = this.store.account(text("from"))
        if (from === undefined) throw new TransferRequestError("no such account to transfer from")
        const to = this.store.account(text("to"))
        if (to === undefined) throw new TransferRequestError("no such account to transfer to")
        if (to.number === from.number) throw new TransferRequestError("the two accounts are the same")
        let amount: number
        try {
            amount = parseWhole(text("amount").replace(/,/g, ""), "amount", 1, MAX_AMOUNT)
        } catch (e) {
            throw new TransferRequestError((e as Error).message)
        }
        const phone = text("phone").replace(/[\s-]/g, "")
        if (!/^\+\d{1,15}$/.test(phone)) throw new TransferRequestError("phone number must be + and digits (E.164)")
        if (phone !== from.phone) throw new TransferRequestError(`${phone} is not the phone number registered for account ${from.number}`)
        if (text("method") !== "certificate") throw new TransferRequestError("method must be certificate")
        if (from.balance < amount) throw new TransferRequestError("insufficient funds")

        const id = this.awaitSignature(from, to, amount, phone, (t) => [`Transfer ${grouped(amount)} KRW`, `from ${from.number}`, t])
        this.config.log(`transfer ${id}: asked, awaiting the signature of ${phone}'s card`)
        try {
            await this.sms.send(phone.slice(1), `ACSIGN ${id}`)
        } catch (e) {
            this.config.log(`transfer ${id}: SMS notice not delivered: ${(e as Error).message}`)
            this.changed(this.store.refuse(id, "SMS notice not delivered", { signatureHash: "" }, this.config.now().getTime()))
        }
        return this.store.transfer(id) as Transfer
    }

    /**
     * Writes the history of a transfer from `from` to `to` and stores the transfer awaiting its
     * signature; returns its fresh random ID. `lines` gives the history's text lines from the
     * payee's line.
     */
    private awaitSignature(from: Account, to: Account, amount: number, phone: string, lines: (toLine: string) => string[], terminalId?: string): string {
        const now = this.config.now()
        let id = "T"
        for (let i = 0; i < 19; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
        // The payee's name when it fits the line and the format (printable ASCII).
        const named = `to ${to.number} (${to.holder})`
        const toLine = isPrintable(to.holder) && named.length <= 64 ? named : `to ${to.number}`
        const history: TransactionHistory = { id, by: this.config.name, at: now.toISOString().replace(/\.\d{3}Z$/, "Z"), phone, lines: lines(toLine) }
        const t: NewTransfer = { id, fromAccount: from.number, toAccount: to.number, amount, phone, history: encodeHistory(history), createdAt: now.getTime(), expiresAt: now.getTime() + this.config.signatureWaitMs, terminalId }
        this.store.createTransfer(t)
        return id
    }

    /**
     * A merchant terminal's payment: from the one account registered for `phone` to the account
     * the terminal pays into, awaiting the signature the terminal brings back from the card. No
     * SMS: the terminal hands the history to the card itself. Returns the history's bytes.
     */
    /** Whether `id` is a registered vending machine and `token` its token. */
    private isMachine(id: string, token: string): boolean {
        const machine = this.store.machine(id)
        return machine !== undefined && timingSafeEqual(machine.tokenHash, tokenSha256(token))
    }

    requestTerminalTransaction(input: URLSearchParams): Buffer {
        const text = (name: string) => {
            const v = input.get(name)
            if (v === null || v.trim() === "") throw new TransferRequestError(`${name} is required`)
            return v.trim()
        }
        const terminal = this.store.terminal(text("terminal"))
        const token = tokenSha256(input.get("token") ?? "")
        // One answer for an unknown terminal and a wrong token: the answer does not tell which IDs exist.
        if (terminal === undefined || !timingSafeEqual(terminal.tokenHash, token)) throw new TransferRequestError("unknown terminal or wrong token", 401)
        const to = this.store.account(terminal.account)
        if (to === undefined) throw new TransferRequestError("the terminal's merchant account is closed", 403)
        const phone = text("phone").replace(/[\s-]/g, "")
        if (!/^\+\d{1,15}$/.test(phone)) throw new TransferRequestError("phone number must be + and digits (E.164)")
        let amount: number
        try {
            amount = parseWhole(text("amount"), "amount", 1, MAX_AMOUNT)
            if (parseWhole(text("currency"), "currency", 1, 999) !== BANK_CURRENCY) throw new TransferRequestError(`currency ${text("currency")} not accepted (KRW, ${BANK_CURRENCY}, only)`)
        } catch (e) {
            throw e instanceof TransferRequestError ? e : new TransferRequestError((e as Error).message)
        }
        const accounts = this.store.accountsOfPhone(phone)
        if (accounts.length === 0) throw new TransferRequestError(`no account for ${phone}`)
        if (accounts.length > 1) throw new TransferRequestError(`several accounts for ${phone}: pay on the web page`)
        const from = accounts[0]
        if (from.number === to.number) throw new TransferRequestError("the holder's account is the merchant's")
        if (from.balance < amount) throw new TransferRequestError("insufficient funds")
        const id = this.awaitSignature(from, to, amount, phone, (t) => [`Pay ${grouped(amount)} KRW`, t, `at terminal ${terminal.id}`, `from ${from.number}`], terminal.id)
        this.config.log(`transfer ${id}: asked by terminal ${terminal.id}, awaiting the signature of ${phone}'s card over infrared`)
        return (this.store.transfer(id) as Transfer).history
    }

    /** The answer to a card's signature over transfer `id`: HTTP status and the one line. */
    async acceptSignature(id: string, cms: Buffer): Promise<{ status: number; line: string }> {
        const t = this.store.transfer(id)
        if (t === undefined) return { status: 404, line: "REFUSED unknown transaction" }
        const hash = createHash("sha256").update(cms).digest("hex").slice(0, 16)
        const answer = (status: number, line: string) => {
            this.config.log(`transfer ${id}: signature of ${cms.length} bytes, sha256 ${hash}...: ${line}`)
            return { status, line }
        }
        const settled = (s: Transfer) => (s.state === "performed" ? "OK already performed" : `REFUSED ${s.reason ?? s.state}`)
        if (t.state !== "awaiting-signature") return answer(200, settled(t))
        const now = this.config.now().getTime()
        if (t.expiresAt <= now) {
            this.expire()
            return answer(200, settled(this.store.transfer(id) as Transfer))
        }
        let verdict
        try {
            verdict = await checkSignature(cms, t.history, t.phone, this.trust)
        } catch (e) {
            if (e instanceof MalformedSignature) return answer(400, `REFUSED malformed signature: ${e.message}`)
            throw e
        }
        const signer = { subject: verdict.subject, serial: verdict.serial, signatureHash: hash }
        if (verdict.kind === "valid") {
            const { transfer, performedNow } = this.store.perform(id, signer, this.config.now().getTime())
            this.changed(transfer)
            if (performedNow) return answer(200, `OK performed`)
            return answer(200, settled(transfer as Transfer))
        }
        if (verdict.kind === "refused") {
            const after = this.store.refuse(id, verdict.reason, signer, this.config.now().getTime()) as Transfer
            this.changed(after)
            return answer(200, settled(after))
        }
        const after = this.store.note(id, verdict.reason, this.config.now().getTime()) as Transfer
        this.changed(after)
        if (after.state !== "awaiting-signature") return answer(200, settled(after))
        return answer(503, `REFUSED ${verdict.reason}`)
    }

    private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
        try {
            const path = (req.url ?? "/").split("?")[0]
            const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase()
            const m = /^\/(card\/history|card\/signature|transfers)\/([A-Za-z0-9-]{1,32})(\/events)?$/.exec(path)
            const page = req.method === "GET" ? pageFile(PUBLIC, path) : null
            if (page !== null) {
                res.writeHead(200, { ...HEADERS, "Content-Type": page.type, "Content-Length": page.body.length }).end(page.body)
            } else if (req.method === "GET" && path === "/accounts") {
                json(res, 200, this.store.accounts().map((a) => ({ number: a.number, holder: a.holder, balance: a.balance })))
            } else if (req.method === "POST" && path === "/transfers") {
                if (type !== "application/json") return json(res, 415, { error: "a transfer request is application/json" })
                const body = await readBody(req, res, MAX_FORM_BYTES)
                if (body === null) return
                let input: unknown
                try {
                    input = JSON.parse(body.toString("utf8"))
                } catch {
                    return json(res, 400, { error: "not JSON" })
                }
                if (typeof input !== "object" || input === null || Array.isArray(input)) return json(res, 400, { error: "a JSON object expected" })
                try {
                    json(res, 201, view(await this.requestTransfer(input as Record<string, unknown>)))
                } catch (e) {
                    if (e instanceof TransferRequestError) return json(res, 400, { error: e.message })
                    throw e
                }
            } else if (req.method === "POST" && path === "/terminal/transactions") {
                if (type !== "application/x-www-form-urlencoded") return line(res, 415, "REFUSED a transaction request is application/x-www-form-urlencoded")
                const body = await readBody(req, res, MAX_FORM_BYTES)
                if (body === null) return
                let history: Buffer
                try {
                    history = this.requestTerminalTransaction(new URLSearchParams(body.toString("utf8")))
                } catch (e) {
                    if (e instanceof TransferRequestError) return line(res, e.status, `REFUSED ${e.message}`)
                    throw e
                }
                res.writeHead(201, { "Content-Type": "text/plain; charset=us-ascii", "Content-Length": history.length, "Cache-Control": "no-store" }).end(history)
            } else if (req.method === "POST" && path === "/vending/sales") {
                if (type !== "text/plain") return line(res, 415, "REFUSED a sales log is text/plain")
                const body = await readBody(req, res, MAX_FORM_BYTES)
                if (body === null) return
                try {
                    const { next } = this.vendingSales.upload(body.toString("latin1"), (id, token) => this.isMachine(id, token))
                    line(res, 200, `OK ${next} ${Math.floor(this.config.now().getTime() / 1000)}`)
                } catch (e) {
                    if (e instanceof VendingSalesError) return line(res, e.status, `REFUSED ${e.message}`)
                    throw e
                }
            } else if (m !== null && m[1] === "transfers" && req.method === "GET") {
                const t = this.store.transfer(m[2])
                if (t === undefined) return json(res, 404, { error: "no such transfer" })
                if (m[3] === undefined) return json(res, 200, view(t))
                this.events(req, res, t)
            } else if (m !== null && m[1] === "card/history" && req.method === "GET" && m[3] === undefined) {
                const t = this.store.transfer(m[2])
                if (t === undefined) return line(res, 404, "unknown transaction")
                if (t.state !== "awaiting-signature") return line(res, 410, `transaction ${t.state}`)
                res.writeHead(200, { "Content-Type": "text/plain; charset=us-ascii", "Content-Length": t.history.length, "Cache-Control": "no-store" }).end(t.history)
            } else if (m !== null && m[1] === "card/signature" && req.method === "POST" && m[3] === undefined) {
                if (type !== "application/pkcs7-mime") return line(res, 415, "REFUSED a signature is application/pkcs7-mime")
                const body = await readBody(req, res, MAX_SIGNATURE_BYTES)
                if (body === null) return
                const { status, line: text } = await this.acceptSignature(m[2], body)
                if (status === 503) res.setHeader("Retry-After", "30")
                line(res, status, text)
            } else {
                line(res, 404, "not found")
            }
        } catch (e) {
            this.config.log(`HTTP: ${req.method} failed: ${(e as Error)?.message ?? String(e)}`)
            if (!res.headersSent) line(res, 500, "internal error")
            else res.destroy()
        }
    }

    /** Server-Sent Events: the transfer now, then at each change. */
    private events(req: IncomingMessage, res: ServerResponse, t: Transfer): void {
        res.writeHead(200, { ...HEADERS, "Content-Type": "text/event-stream", Connection: "keep-alive" })
        const send = (s: Transfer) => res.write(`data: ${JSON.stringify(view(s))}\n\n`)
        send(t)
        const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000)
        this.changes.on(t.id, send)
        req.on("close", () => {
            clearInterval(heartbeat)
            this.changes.off(t.id, send)
        })
    }
}

function json(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value)
    res.writeHead(status, { ...HEADERS, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body)
}

/** One line of text (the card reads the first line of the answer). */
function line(res: ServerResponse, status: number, text: string): void {
    const body = text + "\n"
    res.writeHead(status, { "Content-Type": "text/plain; charset=us-ascii", "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" }).end(body)
}

/** The request body, or null when it exceeds `max` (413 is then sent). */
async function readBody(req: IncomingMessage, res: ServerResponse, max: number): Promise<Buffer | null> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
        size += (chunk as Buffer).length
        if (size > max) {
            line(res, 413, "REFUSED request body too large")
            req.destroy()
            return null
        }
        chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
}
