// The certificate patent's parties around the simulated boards (WO2005067402 [40]-[63]), on
// embedded defaults in the simulator's data folder:
//   CA                  sim/ca: registration desk (mailer file), CMP at /pkix/, OCSP, revocation
//   SMSC                sim/sms/smsc.ts: SMPP for the service provider, a radio network for handsets
//   card's modem        sim/sms/modem-emulator.ts on that network with the card's phone number,
//                       behind an emulated SC16IS750 in UART mode (the card's I2C bus, 0x4C)
//   service provider    sim/service: the bank's web page and card endpoints, sending its SMS
//                       notices through an SmppSender bound to the SMSC; a merchant terminal
//                       registered for the terminal's sign mode (paying into the second account)
// The holder is the service's first demo account: the CA registers the same name and phone, and
// the card's `tel` setting is that phone. Secrets (the one-time secret, the SMPP password, the
// terminal's token) stay in files, settings and memory; nothing here prints them.

import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { readFileSync } from "node:fs"
import Database from "better-sqlite3"
import { CaServer } from "../ca/ca-server"
import { CA_CERT_FILE } from "../ca/ca-data"
import { CA_DATABASE_FILE, CRL_REASON, type CrlReasonName } from "../ca/ca-store"
import { readMailer, register } from "../ca/registration-desk"
import { Sc16is750Emulator, UartLine } from "../drivers/sc16is750-emulator"
import { DEMO_ACCOUNTS, ServiceServer, tokenSha256, type TransferView } from "../service/service-server"
import { ModemEmulator } from "../sms/modem-emulator"
import { SmppSender } from "../sms/smpp-sender"
import { Smsc } from "../sms/smsc"
import { CARD_MODEM_UART_ADDRESS } from "./chip-boards"

/** The holder: the bank's first demo account, registered at the CA desk under the same name and phone. */
export const HOLDER = DEMO_ACCOUNTS[0]
/** The account the sign-mode terminal pays into. */
export const MERCHANT_ACCOUNT = DEMO_ACCOUNTS[1]
/** The number the bank's notices come from. */
const BANK_SMS_NUMBER = "+8215880000"
const SMPP_SYSTEM_ID = "bank"
/**
 * The modem's line to its bridge at 115,200 bit/s, slowed to a byte a millisecond: an I2C
 * transaction through the simulated bus takes ~20 ms (0.1 ms on a board), so at full speed a
 * modem's answer would overrun the bridge's 64-byte FIFO before the driver could read it.
 */
const MODEM_BYTES_PER_MS = 1

/** What the holder received from the CA desk: the reference number and the mailer file (with the secret). */
export interface Enrolment {
    reference: string
    mailer: string
}

export class CertificateServices {
    /** The card's modem as its board sees it: the SC16IS750 UART bridge. */
    readonly modemBridge = new Sc16is750Emulator(CARD_MODEM_UART_ADDRESS)
    readonly modem = new ModemEmulator(HOLDER.phone)
    /** The terminal's token at the service provider (its `svc.token` setting). */
    readonly terminalToken = randomBytes(16).toString("hex")
    /** The vending machine's token for its sales uploads (registered by registerMachine). */
    readonly machineToken = randomBytes(16).toString("hex")
    private readonly line = new UartLine(this.modemBridge, this.modem, 8, MODEM_BYTES_PER_MS)
    /** Every signature posted to the service provider, as it arrived (tests verify them with stock tools). */
    readonly signatures: { id: string; cms: Buffer }[] = []
    private caServer: CaServer | null = null
    private caListenPort = 0
    private sender: SmppSender | null = null

    private constructor(
        private readonly dir: string,
        readonly smsc: Smsc,
        private readonly smscPassword: string,
        private readonly log: (line: string) => void,
    ) {}

    /** The SMSC and the modem; the CA and the service provider start with start(). */
    static create(dir: string, log: (line: string) => void): CertificateServices {
        const password = randomBytes(6).toString("hex")
        const smsc = new Smsc({ accounts: [{ systemId: SMPP_SYSTEM_ID, password }] })
        return new CertificateServices(dir, smsc, password, log)
    }

    private serviceServer: ServiceServer | null = null

    async start(): Promise<void> {
        const smscPort = await this.smsc.listen(0)
        this.modem.attach(this.smsc)
        await this.startCa()
        this.sender = new SmppSender({ host: "127.0.0.1", port: smscPort, systemId: SMPP_SYSTEM_ID, password: this.smscPassword, sourceAddr: BANK_SMS_NUMBER })
        this.serviceServer = await ServiceServer.start({
            dataDir: join(this.dir, "service"),
            port: 0,
            caCertificate: join(this.dir, "ca", CA_CERT_FILE),
            sms: this.sender,
            log: (l) => this.log("[service] " + l),
        })
        const service = this.serviceServer
        const accept = service.acceptSignature.bind(service)
        service.acceptSignature = async (id: string, cms: Buffer) => {
            this.signatures.push({ id, cms: Buffer.from(cms) })
            return await accept(id, cms)
        }
        this.serviceServer.store.putTerminal({ id: TERMINAL_SIGN_ID, account: MERCHANT_ACCOUNT.number, tokenHash: tokenSha256(this.terminalToken) })
        this.log(`CA ${this.ca.baseUrl}, service provider ${this.service.baseUrl}, SMSC 127.0.0.1:${smscPort}, card modem ${HOLDER.phone}`)
    }

    get ca(): CaServer {
        if (this.caServer === null) throw new Error("the CA is stopped")
        return this.caServer
    }

    /** The CA's certificate (PEM), the trust anchor of the service provider. */
    get caCertificateFile(): string {
        return join(this.dir, "ca", CA_CERT_FILE)
    }

    /** The port the CA listens on (kept across a restart). */
    get caPort(): number {
        return this.caListenPort
    }

    /** The CA's certificate DER (from its PEM file), the vending machine's trust anchor (`ca.cert`). */
    caCertificateDer(): Buffer {
        const pem = readFileSync(this.caCertificateFile, "utf8")
        return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64")
    }

    get caRunning(): boolean {
        return this.caServer !== null
    }

    get service(): ServiceServer {
        if (this.serviceServer === null) throw new Error("the service provider is not running")
        return this.serviceServer
    }

    /** The CA on its port (the first start picks a free one, a restart takes it again). */
    async startCa(): Promise<void> {
        if (this.caServer !== null) return
        this.caServer = await CaServer.start({ dataDir: join(this.dir, "ca"), port: this.caListenPort, log: (l) => this.log("[ca] " + l) })
        this.caListenPort = this.caServer.port
    }

    async stopCa(): Promise<void> {
        const ca = this.caServer
        this.caServer = null
        await ca?.stop()
    }

    /** The card's certificate settings, in the order a station writes them. */
    cardSettings(): [string, string][] {
        return [
            ["ca.host", "127.0.0.1"],
            ["ca.port", String(this.caListenPort)],
            ["svc.host", "127.0.0.1"],
            ["svc.port", String(this.service.port)],
            ["tel", HOLDER.phone],
        ]
    }

    /** The terminal's service-provider settings (written before its server settings: it reads them once configured). */
    terminalSettings(): [string, string][] {
        return [
            ["svc.host", "127.0.0.1"],
            ["svc.port", String(this.service.port)],
            ["svc.token", this.terminalToken],
        ]
    }

    /** Registers the vending machine `id` at the service provider with machineToken, as `npm run service -- machine` does. */
    registerMachine(id: string): void {
        this.service.store.putMachine({ id, tokenHash: tokenSha256(this.machineToken) })
    }

    /** The holder at the CA's registration desk: a reference number, and a mailer file holding the one-time secret. */
    registerHolder(): Enrolment {
        return register(this.ca.store, HOLDER.holder, HOLDER.phone, (ref) => join(this.dir, "ca-mailers", `${ref}.txt`))
    }

    /** The reference number and secret from the mailer, for the simulated holder to type; never printed. */
    readMailer(e: Enrolment): { reference: string; secret: string } {
        return readMailer(readFileSync(e.mailer, "utf8"))
    }

    /** The serials of the certificates the CA issued for a reference (the card shows the first 16 hex digits). */
    serialsOf(reference: string): string[] {
        const db = new Database(join(this.dir, "ca", CA_DATABASE_FILE), { readonly: true, fileMustExist: true })
        try {
            return db.prepare("SELECT serial FROM certificates WHERE reference = ? ORDER BY serial").pluck().all(reference) as string[]
        } finally {
            db.close()
        }
    }

    /** Revokes every certificate of a reference at the CA (the CA must be running). */
    revoke(reference: string, reason: CrlReasonName = "keyCompromise"): string[] {
        const serials = this.serialsOf(reference)
        for (const s of serials) this.ca.store.revoke(s, CRL_REASON[reason])
        return serials
    }

    /**
     * Asks the bank for a transfer from the holder's account as the web page's form does
     * (POST /transfers, JSON); answers the transfer's view (its id, state and history).
     */
    async requestTransfer(amount: number, from = HOLDER, toAccount = MERCHANT_ACCOUNT.number): Promise<TransferAnswer> {
        const phone = from.phone
        const res = await fetch(this.service.baseUrl + "/transfers", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ from: from.number, to: toAccount, amount: String(amount), phone, method: "certificate" }),
        })
        const body = (await res.json()) as TransferAnswer & { error?: string }
        if (res.status !== 201) throw new Error(`the service provider refused the transfer: ${res.status} ${body.error ?? ""}`)
        return body
    }

    /** The transfer's status as the page polls it (GET /transfers/<id>). */
    async transfer(id: string): Promise<TransferAnswer> {
        const res = await fetch(`${this.service.baseUrl}/transfers/${id}`)
        return (await res.json()) as TransferAnswer
    }

    /** A short message to the card's phone through the SMSC, as the bank's notices travel. */
    async textCard(text: string): Promise<void> {
        if (this.sender === null) throw new Error("the SMSC client is not bound")
        await this.sender.send(HOLDER.phone.slice(1), text)
    }

    async stop(): Promise<void> {
        this.line.stop()
        this.modem.detach()
        await this.sender?.close()
        await this.serviceServer?.stop()
        this.serviceServer = null
        await this.stopCa()
        await this.smsc.close()
    }
}

/** The terminal registered at the service provider for the sign mode: the simulator's terminal. */
export const TERMINAL_SIGN_ID = "TERM0001"

/** What the bank's page shows of a transfer. */
export type TransferAnswer = TransferView
