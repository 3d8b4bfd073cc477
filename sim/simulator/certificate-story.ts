// `npm start -- --story certificate`: the certificate patent's story on the simulated boards
// (WO2005067402 [40]-[63]). The holder registers at the CA's desk and receives a letter; enrols the
// card with the letter's reference number and one-time secret; a transfer asked on the bank's page
// reaches the card as an SMS and the holder signs it on the card; then a merchant terminal passes a
// payment's history to the card over infrared and the holder signs it there. The trace shows what
// each party saw and both displays; the secret and the password are typed, never printed, and the
// story checks its own trace for them before it ends.

import { randomInt } from "node:crypto"
import { formatTraceLine } from "../trace/field-trace"
import { type CertificateServices, HOLDER, MERCHANT_ACCOUNT } from "./certificates"
import { enrolCard, shownSerial, signInfrared, signOnline } from "./certificate-flows"
import type { Simulator } from "./simulator"

const oneLine = (t: string) => t.replace(/\n/g, " | ")
/**
 * How long a text must stay on a display before the story prints it: the card's OLED is written a
 * line at a time, and on the simulated bus, shared with the card's radios, keypad and modem, a
 * line takes up to a second.
 */
const SETTLED_MS = 1500

/** Calls `print` with each text that was not replaced within SETTLED_MS; flush() prints the last at once. */
function settled(print: (text: string) => void): ((text: string) => void) & { flush: () => void } {
    let pending: string | null = null
    let timer: NodeJS.Timeout | null = null
    const flush = () => {
        if (timer !== null) clearTimeout(timer)
        timer = null
        if (pending !== null) print(pending)
        pending = null
    }
    return Object.assign(
        (text: string) => {
            if (timer !== null) clearTimeout(timer)
            pending = text
            timer = setTimeout(flush, SETTLED_MS)
        },
        { flush },
    )
}

/**
 * Runs the story; every line it prints goes through `say`, and `transcript` (when given) is
 * everything printed, checked for secrets at the end. Resolves with the exit code (0: both
 * transactions performed, no secret printed).
 */
export async function certificateStory(sim: Simulator, say: (line: string) => void, transcript: readonly string[] = []): Promise<number> {
    const certs = sim.certificates
    if (certs === null) throw new Error("the certificate story needs the simulator's certificate services")
    const printed: string[] = []
    const out = (line: string) => {
        printed.push(line)
        say(line)
    }
    // A display is written a line at a time: a text counts once it stayed a moment.
    const cardShows = settled((t: string) => out("  [card]      " + oneLine(t)))
    const terminalShows = settled((t: string) => out("  [terminal]  " + oneLine(t)))
    // The holder's new signing password: random digits, typed on the card, never printed.
    const password = String(randomInt(10 ** 7, 10 ** 8))

    const letter = registerAtDesk(certs, out)

    out("")
    out("2. enrolment on the card: key 1, the letter's reference number and one-time secret, a new password twice")
    sim.cardDisplay.listen(cardShows)
    sim.terminalDisplay.listen(terminalShows)
    out(`   reference number typed: ${letter.reference}`)
    out(`   one-time secret typed (${letter.secret.length} digits, not shown); new password typed twice (${password.length} digits, not shown)`)
    const enrolled = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password })
    const serial = shownSerial(enrolled)
    const issued = certs.serialsOf(letter.reference)
    out(`   card: ${oneLine(enrolled)}; the CA issued ${issued.length} certificate(s): ${issued.join(", ")}`)
    if (serial === null) {
        out("NOT ENROLLED: " + oneLine(enrolled))
        return 1
    }

    out("")
    out(`3. online (first embodiment): ${HOLDER.holder} asks the bank for a transfer of 50,000 KRW to ${MERCHANT_ACCOUNT.number} on its web page`)
    const online = await signOnline(sim, { amount: 50_000, password })
    out(`   transfer ${online.transfer.id}: SMS "ACSIGN ${online.transfer.id}" to ${HOLDER.phone} through the SMSC (${certs.smsc.events.map((e) => e.kind).join(", ")})`)
    out(`   the holder paged through ${online.pages.length} page(s) with #, then typed the password (not shown)`)
    out(`   card: ${oneLine(online.result)}`)
    out(`   the page's status: ${JSON.stringify({ id: online.status.id, state: online.status.state, reason: online.status.reason, amount: online.status.amount, signer: online.status.signer })}`)
    out("   key 3 on the card: the receipt it kept")
    await sim.cardKeys("3")
    await sim.waitFor(() => /^RECEIPT\n/.test(sim.cardDisplay.text), 10_000, "the card showed no receipt")

    out("")
    out(`4. infrared (second embodiment): terminal TERM0001, key B, the holder's phone, 12,000 KRW; the card in infrared sight`)
    const fieldFrom = sim.fieldLines().length
    const ir = await signInfrared(sim, { amount: 12_000, password })
    out(`   the holder read ${ir.pages.length} page(s) on the card and typed the password on it (not shown)`)
    out("   what crossed the infrared line:")
    const lines = sim.fieldLines()
    for (let i = fieldFrom; i < lines.length; i++) out(formatTraceLine(lines[i], i + 1, 5))
    out(`   card: ${oneLine(ir.result)}`)
    out(`   terminal: ${oneLine(ir.terminal)}`)

    out("")
    out("displays now:")
    out("  card      " + oneLine(sim.cardDisplay.text))
    out("  terminal  " + oneLine(sim.terminalDisplay.text))
    cardShows.flush()
    terminalShows.flush()
    const leaked = [...printed, ...transcript].some((l) => l.includes(letter.secret) || l.includes(password))
    if (leaked) {
        say("THE TRACE SHOWED A SECRET: this is a bug")
        return 1
    }
    const ok = online.status.state === "performed" && /^OK/.test(ir.terminal)
    out(ok ? "both transactions performed" : "NOT PERFORMED")
    return ok ? 0 : 1
}

/** Step 1 of the stories: the holder registered at the CA's desk; the letter's reference number and secret (never printed). */
export function registerAtDesk(certs: CertificateServices, out: (line: string) => void): { reference: string; secret: string } {
    out("")
    out(`1. registration at the CA's desk: ${HOLDER.holder}, ${HOLDER.phone}`)
    const registration = certs.registerHolder()
    out(`   reference number ${registration.reference}; enrolment letter ${registration.mailer} (mode 0600)`)
    return certs.readMailer(registration)
}
