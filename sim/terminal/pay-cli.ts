// `npm run pay`: one payment from a provisioned card (profile file) through a provisioned
// terminal (configuration file) against a running payment server, over RADIUS/TCP (or UDP).
//
//   npm run pay -- --card data/cards/DEMO0001.json --terminal data/terminals/TERM0001.json
//                  --amount 15000 [--currency 410] [--installments 3] --pin 1234 [--udp]
//
// The card's new state (SQN window, PIN tries, pseudonym) is written back to its profile file.

import { parseArgs } from "node:util"
import { randomBytes } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { RadiusClient } from "../radius/client"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { InProcessCard, CardFlash } from "../card/in-process-card"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import type { TerminalConfig } from "../server/provision"

const { values } = parseArgs({
    options: {
        card: { type: "string" },
        terminal: { type: "string" },
        amount: { type: "string" },
        currency: { type: "string" },
        installments: { type: "string" },
        pin: { type: "string" },
        udp: { type: "boolean" },
    },
})
if (!values.card || !values.terminal || !values.amount || !values.pin) {
    console.error("usage: npm run pay -- --card FILE --terminal FILE --amount N --pin DIGITS [--currency 410] [--installments N] [--udp]")
    process.exit(2)
}
const saved = JSON.parse(readFileSync(values.card, "utf8"))
const flash: CardFlash = saved.profile ? saved : { profile: saved, pseudonym: "", reauth: null }
const terminal: TerminalConfig = JSON.parse(readFileSync(values.terminal, "utf8"))
const card = new InProcessCard(flash)
const client = await RadiusClient.connect({
    transport: values.udp ? "udp" : "tcp",
    host: terminal.serverHost,
    port: terminal.serverPort,
    secret: Buffer.from(terminal.secret, "utf8"),
    timeoutMs: 2000,
    retries: 2,
}).catch((e) => {
    console.error(`cannot reach the payment server at ${terminal.serverHost}:${terminal.serverPort}: ${e.message}`)
    process.exit(1)
})
const relay = new TerminalRelay(card, new RadiusUplink(client, terminal.terminalId), (n) => randomBytes(n))
const outcome = await relay.pay(
    {
        amount: Number(values.amount),
        currency: Number(values.currency ?? 410),
        installments: Number(values.installments ?? 0),
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
