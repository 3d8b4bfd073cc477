// `npm run pay`: one payment from a provisioned card (profile file) through a provisioned
// terminal (configuration file) against a running payment server, over RADIUS/TCP (or UDP).
//
//   npm run pay -- --card data/cards/DEMO0001.json --terminal data/terminals/TERM0001.json
//                  --amount 15000 [--currency 410] [--installments 3] --pin 1234 [--udp]
//
// The card's new state (SQN window, PIN tries, pseudonym) is written back to its profile file.
// When the server's answer is lost after it may have decided, the terminal asks for the ledger's
// outcome of the transaction (status inquiry, retried with backoff for about half a minute).
// An error is one line and a non-zero exit code; a declined payment exits 1.

import { fail, parseCommandLine } from "../command-line"
import { randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { RadiusClient } from "../radius/client"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { InProcessCard, CardFlash } from "../card/in-process-card"
import { inquiryPolicy, TerminalRelay } from "../../src/terminal/terminal-relay"
import type { TerminalConfig } from "../server/provision"
import { parseAmount, parseCurrency, parseWhole } from "../server/fields"

const USAGE = "usage: npm run pay -- --card FILE --terminal FILE --amount N --pin DIGITS [--currency 410] [--installments N] [--udp]"

// Anything unforeseen (a damaged profile, a network failure mid-payment) is one line as well.
process.on("uncaughtException", (e) => fail(e.message, 1))
process.on("unhandledRejection", (e) => fail(e instanceof Error ? e.message : String(e), 1))

const values = parseCommandLine(process.argv.slice(2), USAGE, ["card", "terminal", "amount", "currency", "installments", "pin"], ["udp"])
if (!values.card || !values.terminal || !values.amount || !values.pin) fail(USAGE)
let amount = 0
let currency = 0
let installments = 0
try {
    amount = parseAmount(values.amount)
    currency = values.currency === undefined ? 410 : parseCurrency(values.currency)
    installments = values.installments === undefined ? 0 : parseWhole(values.installments, "installments", 0, 99)
} catch (e) {
    fail((e as Error).message)
}
function readJson(file: string, what: string): any {
    try {
        return JSON.parse(readFileSync(file, "utf8"))
    } catch (e) {
        fail(`cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
}
const saved = readJson(values.card, "card")
const flash: CardFlash = saved.profile ? saved : { profile: saved, pseudonym: "", reauth: null }
const terminal: TerminalConfig = readJson(values.terminal, "terminal")
const card = new InProcessCard(flash)
const client = await RadiusClient.connect({
    transport: values.udp ? "udp" : "tcp",
    host: terminal.serverHost,
    port: terminal.serverPort,
    secret: Buffer.from(terminal.secret, "utf8"),
    timeoutMs: 2000,
    retries: 2,
}).catch((e) => fail(`cannot reach the payment server at ${terminal.serverHost}:${terminal.serverPort}: ${e.message}`, 1))
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const relay = new TerminalRelay(card, new RadiusUplink(client, terminal.terminalId), (n) => randomBytes(n), false, inquiryPolicy(sleep))
const outcome = await relay.pay(
    {
        amount,
        currency,
        installments,
        merchantId: terminal.merchantId,
        terminalId: terminal.terminalId,
        transactionId: randomBytes(8),
    },
    values.pin,
)
await client.close()
writeFileSync(values.card, JSON.stringify(card.flash, null, 2) + "\n", { mode: 0o600 })
console.log(`card display:     ${card.display.join(" | ")}`)
console.log(`terminal display: ${outcome.message}`)
process.exit(outcome.approved ? 0 : 1)
