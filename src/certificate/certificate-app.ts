// The card as the certificate patent's mobile terminal (WO 2005/067402 [40]-[63]): it enrols for a
// certificate at the CA with the reference number and one-time secret from the registration desk,
// and signs transaction histories the holder reads on its display, fetched after an SMS notice
// (`ACSIGN <id>`) or passed by a transaction terminal over infrared. A small state machine:
//   IDLE -1-> REFERENCE -> SECRET -> NEW_PASSWORD -> REPEAT -> ENROLLING -> IDLE
//   IDLE (notice or SIGN HISTORY) -> READING (3 rows a page, '#' pages) -> PASSWORD -> SIGNING
//        -> IDLE (online: the service's answer shown) or ANSWERED (infrared: GET SIGNATURE takes it)
// Keys and APDUs only change state; the slow work (key generation, CMP, signing, HTTP, the modem)
// runs in step(), which the firmware calls from a fiber of its own. The certificate and the sealed
// key are stored only after the CA's pkiConf; at boot a certificate counts only with the key it
// names. The reference, the secret and the passwords are masked on the display and never logged.
// Each signature leaves a receipt in flash (the transaction ID and the outcome the card knows: the
// service's answer online, SIGNED over infrared), which key 3 shows again, after a reboot too.

import { fromUtf8, toHex } from "../bytes"
import { derIsoTime, tbsFields, whole } from "../asn1/der"
import { ed25519Sign } from "../crypto/ed25519"
import type { HmacSha256 } from "../crypto/hmac-sha256"
import { SettingsPort } from "../card/card-store"
import { LINE_CANCELLED, LINE_EDITING, LineEditor } from "../card/line-editor"
import { HttpAnswer, httpRequest } from "../net/http-client"
import { ByteStream } from "../radius/stream-client"
import { cardSecret, KEY_CERT, KEY_RECEIPT, KEY_OCSP, KEY_SIGN_KEY, readSplit, storeSigningKey, unsealStored, writeSplit } from "./certificate-store"
import { CmpError, cmpIr, cmpReply } from "./cmp-client"
import { cmsSignedData } from "./cms-signed-data"
import { checkOcspResponse, ocspRequest } from "./ocsp-request"
import { generateSigningKey, KEY_LOCKED, KEY_OK, KeyPlatform, sealedPublicKey, SIGN_TRIES, unsealCounted, validPassword } from "./signing-key"
import { historyDisplayLines, parseHistory, TransactionHistory, wrapInto } from "./transaction-history"

export const CERT_IDLE = "IDLE"
export const CERT_REFERENCE = "REFERENCE"
export const CERT_SECRET = "SECRET"
export const CERT_NEW_PASSWORD = "NEW_PASSWORD"
export const CERT_REPEAT = "REPEAT"
export const CERT_ENROLLING = "ENROLLING"
export const CERT_READING = "READING"
export const CERT_PASSWORD = "PASSWORD"
export const CERT_SIGNING = "SIGNING"
export const CERT_ANSWERED = "ANSWERED"

/** Status words of the infrared signing commands (src/link/card-commands.ts). */
const SW_OK = 0x9000
const SW_WRONG_DATA = 0x6a80
const SW_NOT_NOW = 0x6985
const SW_REFUSED = 0x6982
const SW_LOCKED = 0x6983
/** How long an infrared answer waits for the terminal to fetch it. */
const ANSWER_KEPT_MS = 30000

/** What the certificate functions need from the platform: native on the device, node:crypto in Node. */
export interface CertPlatform extends KeyPlatform {
    hmacSha256: HmacSha256
}

/** The modem's SMS storage (AtModem). */
export interface SmsPort {
    /** The index of a newly arrived message, or -1. */
    poll(): Promise<number>
    readMessage(index: number): Promise<{ text: string }>
    deleteMessage(index: number): Promise<void>
}

/** A reason the card shows as it is (a missing setting, a history not for this card, ...). */
export class CertRefusal extends Error {}

/** A display row's worth of hint under each history page. */
const PAGE_HINT = "# NEXT * CANCEL"
const ROWS_PER_PAGE = 3

export class CertificateApp {
    state = CERT_IDLE
    /** The certificate DER (with its sealed key stored), or null. */
    cert: Buffer | null = null
    /** The latest OCSPResponse DER fetched (for this certificate or an earlier one), or null. */
    private ocsp: Buffer | null = null
    /** The last signature's receipt as the display shows it, or "" before the first. */
    private receipt = ""
    /** The infrared request's answer: its status word and, for 9000, the CMS. */
    signature: Buffer = Buffer.alloc(0)
    private sw = SW_NOT_NOW
    /** When tick first saw the answer waiting (the card's clock, ms), or -1. */
    private answeredAt = -1
    private entry: LineEditor | null = null
    private prompt = ""
    private reference = ""
    private secret = ""
    private password = ""
    /** The history being signed, its parse, the rows shown and the page on display. */
    private history: Buffer = Buffer.alloc(0)
    private parsed: TransactionHistory | null = null
    private rows: string[] = []
    private page = 0
    /** The online request's transaction ID; "" for one that came over infrared. */
    private online = ""
    private notices: number[] = []

    constructor(
        private readonly settings: SettingsPort,
        private readonly platform: CertPlatform,
        private readonly show: (text: string) => void,
        /** A TCP connection to host:port within timeoutMs (HTTP to the CA and the service provider). */
        private readonly open: (host: string, port: number, timeoutMs: number) => Promise<ByteStream>,
        private readonly sms: SmsPort | null,
        private readonly log: (line: string) => void,
    ) {}

    /** Loads the certificate; one whose key is not the stored key's does not count. */
    async load(): Promise<void> {
        this.cert = null
        try {
            const cert = await readSplit(this.settings, KEY_CERT, this.platform.sha256)
            const record = await this.settings.read(KEY_SIGN_KEY)
            if (cert !== null && record !== null && toHex(whole(cert, tbsFields(cert)[5])).indexOf(toHex(sealedPublicKey(record))) > 0) this.cert = cert
            this.ocsp = await readSplit(this.settings, KEY_OCSP, this.platform.sha256)
            const r = await this.settings.read(KEY_RECEIPT)
            if (r !== null) this.receipt = r.toString()
        } catch (e) {
            this.log("CERT unreadable: " + (e as Error).message)
        }
    }

    /** The certificate's serial as the card shows it: hex, the first 16 digits. */
    serial(): string {
        const c = this.cert
        return c === null ? "NO CERTIFICATE" : "SERIAL\n" + toHex(whole(c, tbsFields(c)[0])).slice(4, 20).toUpperCase()
    }

    private enter(next: string): void {
        this.log("CERT " + this.state + " -> " + next)
        this.state = next
    }

    private ask(next: string, prompt: string, maxLength: number): void {
        this.enter(next)
        this.entry = new LineEditor(maxLength, true)
        this.prompt = prompt
        this.show(prompt + "\n_")
    }

    /** Ends whatever is under way with `text` on display. */
    private done(text: string): void {
        this.entry = null
        this.reference = ""
        this.secret = ""
        this.password = ""
        this.enter(CERT_IDLE)
        this.show(text)
    }

    /** Ends the signature request: infrared keeps `sw` for GET SIGNATURE, online is over. */
    private answer(sw: number, text: string): void {
        const online = this.online !== ""
        this.done(text)
        this.sw = sw
        this.answeredAt = -1
        if (!online) this.enter(CERT_ANSWERED)
    }

    /** A key on an idle card or in a flow of this application: true when taken. */
    key(k: string): boolean {
        const s = this.state
        if (s === CERT_IDLE || s === CERT_ANSWERED) {
            if (k === "1") this.ask(CERT_REFERENCE, "REFERENCE?", 12)
            else if (k === "2") this.show(this.serial())
            else if (k === "3") this.show(this.receipt === "" ? "NO RECEIPT" : this.receipt)
            else return false
            return true
        }
        if (s === CERT_READING) {
            if (k === "*") this.answer(SW_REFUSED, "CANCELLED")
            else if (k === "#") this.showPage(this.page + 1)
            return true
        }
        const e = this.entry
        if (e === null) return true // busy: keys wait
        e.key(k)
        if (e.state === LINE_EDITING) {
            this.show(this.prompt + "\n" + e.shown())
            return true
        }
        if (e.state === LINE_CANCELLED) {
            if (s === CERT_PASSWORD) this.answer(SW_REFUSED, "CANCELLED")
            else this.done("CANCELLED")
            return true
        }
        this.entered(s, e.text)
        return true
    }

    private entered(s: string, t: string): void {
        if (s === CERT_REFERENCE) {
            if (t.length !== 12) this.ask(s, "REFERENCE? 12 DIGITS", 12)
            else {
                this.reference = t
                this.ask(CERT_SECRET, "SECRET?", 16)
            }
        } else if (s === CERT_SECRET) {
            if (t.length !== 16) this.ask(s, "SECRET? 16 DIGITS", 16)
            else {
                this.secret = t
                this.ask(CERT_NEW_PASSWORD, "NEW PASSWORD?", 12)
            }
        } else if (s === CERT_NEW_PASSWORD) {
            if (!validPassword(t)) this.ask(s, "PASSWORD? 6-12 DIGITS", 12)
            else {
                this.password = t
                this.ask(CERT_REPEAT, "REPEAT PASSWORD?", 12)
            }
        } else if (s === CERT_REPEAT) {
            if (t !== this.password) this.ask(CERT_NEW_PASSWORD, "DIFFERENT: NEW PWD?", 12)
            else {
                this.entry = null
                this.enter(CERT_ENROLLING)
                this.show("ENROLLING")
            }
        } else {
            this.password = t
            this.entry = null
            this.enter(CERT_SIGNING)
            this.show("SIGNING")
        }
    }

    private showPage(page: number): void {
        const rows = this.rows
        if (page * ROWS_PER_PAGE >= rows.length) {
            this.ask(CERT_PASSWORD, "PASSWORD?", 12)
            return
        }
        this.page = page
        this.show(rows.slice(page * ROWS_PER_PAGE, page * ROWS_PER_PAGE + ROWS_PER_PAGE).join("\n") + "\n" + PAGE_HINT)
    }

    /** Shows the history for the holder to read (online when `id` is not ""). */
    private present(history: Buffer, h: TransactionHistory, id: string): void {
        this.history = history
        this.parsed = h
        this.rows = historyDisplayLines(h)
        this.online = id
        this.enter(CERT_READING)
        this.showPage(0)
    }

    /** SIGN HISTORY: 9000 once shown, 6A80 malformed, 6985 no certificate or the card busy. */
    signHistory(history: Buffer): number {
        let h: TransactionHistory
        try {
            h = parseHistory(history)
        } catch (e) {
            return SW_WRONG_DATA
        }
        const s = this.state
        const ours = this.online === "" && (s === CERT_READING || s === CERT_PASSWORD)
        if (this.cert === null || !(ours || s === CERT_IDLE || s === CERT_ANSWERED)) return SW_NOT_NOW
        this.present(history, h, "")
        return SW_OK
    }

    /** GET SIGNATURE: 6985 while the holder is not done; else the answer (9000: `signature`). */
    signatureStatus(): number {
        if (this.state !== CERT_ANSWERED) return SW_NOT_NOW
        const sw = this.sw
        // 6982 and 6983 end the request; the CMS stays until the terminal has read it whole.
        if (sw !== SW_OK) this.enter(CERT_IDLE)
        return sw
    }

    /**
     * Time passing (`nowMs` on the card's clock, `sinceCommandMs` without a command): an answer
     * nobody fetches for 30 s ends. The 30 s count from the answer too: signing may take longer
     * than that with no command in between. They outlast the terminal's patience over a lossy
     * link (a busy card misses polls for seconds), and a new SIGN HISTORY replaces the answer anyway.
     */
    tick(nowMs: number, sinceCommandMs: number): void {
        if (this.state !== CERT_ANSWERED) return
        if (this.answeredAt < 0) this.answeredAt = nowMs
        if (sinceCommandMs > ANSWER_KEPT_MS && nowMs - this.answeredAt > ANSWER_KEPT_MS) {
            this.signature = Buffer.alloc(0)
            this.enter(CERT_IDLE)
        }
    }

    private async text(key: string): Promise<string> {
        const b = await this.settings.read(key)
        return b === null ? "" : b.toString()
    }

    /** One HTTP request to the CA ("ca") or the service provider ("svc") named in the settings. */
    private async http(prefix: string, method: string, path: string, type: string, body: Buffer | null): Promise<HttpAnswer> {
        const host = await this.text(prefix + ".host")
        const port = parseInt(await this.text(prefix + ".port"))
        if (host === "" || !(port > 0)) throw new CertRefusal(prefix === "ca" ? "NO CA SET" : "NO SERVICE SET")
        const open = this.open
        return await httpRequest(async () => await open(host, port, 10000), method, host, path, type, body, 4096, 15000)
    }

    /** The slow work of the state on hand; the firmware calls it again and again. */
    async step(): Promise<void> {
        const sms = this.sms
        if (sms !== null) {
            try {
                const i = await sms.poll()
                if (i >= 0 && this.notices.length < 8) this.notices.push(i)
            } catch (e) {
                this.log("CERT modem: " + (e as Error).message)
            }
        }
        const s = this.state
        if (s === CERT_ENROLLING) await this.enrol()
        else if (s === CERT_SIGNING) await this.sign()
        else if (s === CERT_IDLE && this.notices.length > 0) await this.notice(this.notices.shift() as number)
    }

    /** An SMS: read and deleted; `ACSIGN <id>` fetches the history to sign, anything else is ignored. */
    private async notice(index: number): Promise<void> {
        const sms = this.sms as SmsPort
        let text = ""
        try {
            text = (await sms.readMessage(index)).text
            await sms.deleteMessage(index)
        } catch (e) {
            this.log("CERT modem: " + (e as Error).message)
        }
        const id = text.slice(7)
        if (text.indexOf("ACSIGN ") !== 0 || id.length < 1 || id.length > 32 || id.indexOf("/") >= 0 || id.indexOf(" ") >= 0) return
        this.log("CERT notice " + id)
        try {
            if (this.cert === null) throw new CertRefusal("NO CERTIFICATE")
            const a = await this.http("svc", "GET", "/card/history/" + id, "", null)
            if (a.status !== 200) throw new CertRefusal("NO HISTORY: HTTP " + a.status)
            const body = a.body
            const h = parseHistory(body)
            if (h.phone === "" || h.phone !== (await this.text("tel")) || h.id !== id) throw new CertRefusal("NOT FOR THIS CARD")
            this.present(body, h, id)
            await this.staple()
        } catch (e) {
            this.done(this.reason(e, "SERVICE UNREACHABLE"))
        }
    }

    /** A short reason for the display: a refusal's text, else `otherwise` (no detail that could hold a secret). */
    private reason(e: any, otherwise: string): string {
        if (e instanceof CmpError || e instanceof CertRefusal) return e.message
        this.log("CERT failed: " + (e as Error).name)
        return otherwise
    }

    private async enrol(): Promise<void> {
        const p = this.platform
        const s = this.settings
        const password = this.password
        try {
            const secret = await cardSecret(s, p.randomBytes)
            const record = await generateSigningKey(password, secret, p)
            const pop = async (m: Buffer) =>
                (await unsealCounted(record, password, secret, SIGN_TRIES, async () => {}, p, async (seed: Buffer) => await ed25519Sign(seed, m, p.yieldSlice))).output as Buffer
            const session = await cmpIr(p, this.reference, fromUtf8(this.secret), "ActiveCard holder", sealedPublicKey(record), pop)
            this.reference = ""
            this.secret = ""
            for (let confirmed = false; !confirmed; ) {
                const a = await this.http("ca", "POST", "/pkix/", "application/pkixcmp", session.request)
                if (a.contentType !== "application/pkixcmp") throw new CertRefusal("CA ANSWERED HTTP " + a.status)
                confirmed = await cmpReply(p, session, a.body)
            }
            // The CA confirmed (pkiConf): only now the certificate and its key are stored.
            const cert = session.certificate as Buffer
            await writeSplit(s, KEY_CERT, cert, p.sha256)
            await storeSigningKey(s, record)
            this.cert = cert
            this.log("CERT enrolled: certificate and key stored after pkiConf")
            this.done("ENROLLED\n" + this.serial())
            await this.staple()
        } catch (e) {
            this.done("ENROL FAILED\n" + this.reason(e, "CA UNREACHABLE"))
        }
    }

    /** Fetches the certificate's OCSP response and keeps it; a failure is logged and keeps the one before. */
    private async staple(): Promise<void> {
        try {
            const b = (await this.http("ca", "POST", "/ocsp", "application/ocsp-request", ocspRequest(this.cert as Buffer))).body
            checkOcspResponse(b)
            await writeSplit(this.settings, KEY_OCSP, b, this.platform.sha256)
            this.ocsp = b
            this.log("CERT OCSP response stored")
        } catch (e) {
            this.log("CERT OCSP failed: " + (e as Error).message)
        }
    }

    /** Keeps the receipt of the history just signed: its ID and `outcome`, as display rows. */
    private async keep(outcome: string): Promise<void> {
        const rows = ["RECEIPT"]
        wrapInto(rows, (this.parsed as TransactionHistory).id)
        wrapInto(rows, outcome.slice(0, 120))
        this.receipt = rows.join("\n")
        try {
            await this.settings.write(KEY_RECEIPT, Buffer.from(this.receipt), false)
        } catch (e) {
            this.log("CERT receipt not stored")
        }
    }

    private async sign(): Promise<void> {
        const p = this.platform
        const cert = this.cert as Buffer
        const history = this.history
        const at = derIsoTime((this.parsed as TransactionHistory).at)
        // The response kept, when it is about this certificate (it holds the serial's DER).
        let ocsp = this.ocsp
        if (ocsp !== null && toHex(ocsp).indexOf(toHex(whole(cert, tbsFields(cert)[0]))) < 0) ocsp = null
        const password = this.password
        this.password = ""
        let r = { status: KEY_LOCKED, triesLeft: 0, output: null as Buffer | null }
        try {
            r = await unsealStored(this.settings, password, p, async (seed: Buffer) => {
                return await cmsSignedData(history, cert, at, async (m: Buffer) => await ed25519Sign(seed, m, p.yieldSlice), p.yieldSlice, ocsp)
            })
        } catch (e) {
            this.log("CERT signing failed: " + (e as Error).name)
        }
        if (r.status !== KEY_OK) {
            const locked = r.status === KEY_LOCKED
            this.answer(locked ? SW_LOCKED : SW_REFUSED, locked ? "SIGNING LOCKED" : "WRONG PASSWORD\n" + r.triesLeft + " LEFT")
            return
        }
        const cms = r.output as Buffer
        if (this.online === "") {
            this.signature = cms
            await this.keep("SIGNED")
            this.answer(SW_OK, "SIGNED")
            return
        }
        this.show("SENDING")
        let line = ""
        try {
            // The one-line answer as is: OK ..., REFUSED ..., or the 503 of a status not known yet.
            const a = await this.http("svc", "POST", "/card/signature/" + this.online, "application/pkcs7-mime", cms)
            line = a.contentType === "text/plain" ? a.body.toString().trim() : "HTTP " + a.status
        } catch (e) {
            line = this.reason(e, "SERVICE UNREACHABLE")
        }
        this.online = ""
        const rows: string[] = []
        wrapInto(rows, line)
        await this.keep(line)
        this.done(rows.join("\n"))
    }
}
