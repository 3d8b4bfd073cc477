// Issues card profiles and terminal credentials into the payment server's storage, and writes the
// files a card is flashed with and a terminal is configured with (mode 0600). Keys, OPc and PINs
// are written only there: never printed, never logged.

import { randomBytes, randomInt } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { pinVerifier, DEFAULT_PIN_TRIES, validPinFormat } from "../../src/card/pin"
import { nodeSha256 } from "../node-platform"
import type { AucRecord, CardRecord, ClientRecord, ServerStorage } from "../db/storage"
import { checkAddress, checkCurrency, checkMerchantId, checkMinorUnits, checkPrintable, checkTerminalId } from "./fields"

/** What a card is flashed with (devices/card loads it into settings). */
export interface CardProfile {
    cardId: string
    realm: string
    /** Expected EAP-AKA' network name ("" accepts the server's). */
    networkName: string
    k: string
    opc: string
    /** SEQ_MS per IND (TS 33.102 C.2.2), all zero on a new card. */
    seqMs: number[]
    pin: { salt: string; verifier: string; triesLeft: number; maxTries: number }
    /** Payments at or under this many minor units need no PIN. */
    noPinLimit: number
}

/** What a terminal is configured with (devices/terminal loads it into settings). */
export interface TerminalConfig {
    terminalId: string
    merchantId: string
    serverHost: string
    serverPort: number
    secret: string
}

export interface CardRequest {
    cardId: string
    pan: string
    holder: string
    currency: number
    balance: number
    limit: number
    pin?: string
    realm: string
    networkName: string
    noPinLimit: number
}

function writePrivate(file: string, data: unknown): void {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(data, null, 2) + "\n", { mode: 0o600 })
}

/** Creates the card in the registry and the AuC; returns the profile and the PIN (for the PIN mailer only). */
export async function provisionCard(store: ServerStorage, req: CardRequest): Promise<{ profile: CardProfile; pin: string }> {
    if (!/^[A-Za-z0-9]{4,32}$/.test(req.cardId)) throw new Error("card ID must be 4..32 letters or digits")
    if (!/^\d{12,19}$/.test(req.pan)) throw new Error("card number must be 12..19 digits")
    checkPrintable(req.holder, 26, "holder name")
    checkCurrency(req.currency)
    checkMinorUnits(req.balance, "balance")
    checkMinorUnits(req.limit, "limit")
    checkMinorUnits(req.noPinLimit, "no-PIN limit")
    const pin = req.pin ?? String(randomInt(0, 10000)).padStart(4, "0")
    if (!validPinFormat(pin)) throw new Error("PIN must be 4..12 digits")
    const k = randomBytes(16)
    const opc = randomBytes(16)
    const salt = randomBytes(16)
    const card: CardRecord = { cardId: req.cardId, pan: req.pan, holder: req.holder, status: "active", currency: req.currency, balance: req.balance, limit: req.limit }
    const auc: AucRecord = { k: k.toString("hex"), opc: opc.toString("hex"), seq: 1, ind: 0 }
    await store.addCard(card, auc)
    const profile: CardProfile = {
        cardId: req.cardId,
        realm: req.realm,
        networkName: req.networkName,
        k: auc.k,
        opc: auc.opc,
        seqMs: new Array(32).fill(0),
        pin: { salt: salt.toString("hex"), verifier: pinVerifier(nodeSha256, salt, pin).toString("hex"), triesLeft: DEFAULT_PIN_TRIES, maxTries: DEFAULT_PIN_TRIES },
        noPinLimit: req.noPinLimit,
    }
    return { profile, pin }
}

export function writeCardFiles(profileFile: string, profile: CardProfile, pin: string): string {
    writePrivate(profileFile, profile)
    const mailer = profileFile.replace(/\.json$/, "") + ".pin"
    writeFileSync(mailer, pin + "\n", { mode: 0o600 })
    return mailer
}

/** Registers a terminal (RADIUS client) by source address with a fresh shared secret. */
export async function provisionTerminal(store: ServerStorage, address: string, terminalId: string, merchantId: string, serverHost: string, serverPort: number): Promise<TerminalConfig> {
    checkTerminalId(terminalId)
    checkMerchantId(merchantId)
    checkAddress(address)
    // A printable secret (RADIUS secrets are strings in standard NAS configuration): 32 hex characters.
    const secret = randomBytes(16).toString("hex")
    const rec: ClientRecord = { address, secret, terminalId }
    await store.putClient(rec)
    return { terminalId, merchantId, serverHost, serverPort, secret }
}

/**
 * A terminal's configuration as the settings its firmware reads (devices/terminal/main.ts), in the
 * order to write them: `srv.host` last, since the terminal starts once it is there.
 */
export function terminalSettings(config: TerminalConfig, currency: number): [string, string][] {
    return [
        ["srv.port", String(config.serverPort)],
        ["srv.secret", config.secret],
        ["term.id", config.terminalId],
        ["merchant.id", config.merchantId],
        ["currency", String(currency)],
        ["srv.host", config.serverHost],
    ]
}

export function writeTerminalConfig(file: string, config: TerminalConfig): void {
    writePrivate(file, config)
}
