// `npm start -- --story vending`: the certificate patent's offline vending machine on the
// simulated boards (WO2005067402 [64]-[71]). The holder registers at the CA's desk and enrols the
// card (which then fetches the CA's OCSP response about its certificate); the machine's network
// link is cut and the CA stopped, and the holder buys an item: the machine decides alone, with the
// CA's certificate in its settings, its own clock and the response the card staples. Then the CA
// revokes the card, the machine, online again, refreshes the CA's CRL, and the same card is
// refused. The trace shows what crossed the infrared line and the three displays; the secret and
// the password are typed, never printed, and the story checks its own trace for them.

import { randomInt } from "node:crypto"
import { formatTraceLine } from "../trace/field-trace"
import { enrolCard, shownSerial } from "./certificate-flows"
import { registerAtDesk } from "./certificate-story"
import type { Simulator } from "./simulator"
import { VENDING_MACHINE_ID } from "./simulator"
import { buyAtMachine, type Purchase } from "./vending-flows"

const oneLine = (t: string) => t.replace(/\n/g, " | ")
/** The machine refreshes the CA's CRL every minute while online (devices/vending/main.ts). */
const CRL_REFRESH_WAIT_MS = 90_000

/**
 * Runs the story; every line it prints goes through `say`, and `transcript` (when given) is
 * everything printed, checked for secrets at the end. Resolves with the exit code (0: the offline
 * purchase dispensed exactly once and the revoked card was refused, no secret printed).
 */
export async function vendingStory(sim: Simulator, say: (line: string) => void, transcript: readonly string[] = []): Promise<number> {
    const certs = sim.certificates
    const machine = sim.vending
    if (certs === null || machine === null) throw new Error("the vending story needs the simulator's certificate services and vending machine")
    const printed: string[] = []
    const out = (line: string) => {
        printed.push(line)
        say(line)
    }
    const password = String(randomInt(10 ** 7, 10 ** 8))

    const letter = registerAtDesk(certs, out)

    out("")
    out("2. enrolment on the card: key 1, the letter's reference number and one-time secret, a new password twice")
    sim.cardDisplay.listen((t) => out("  [card]      " + oneLine(t)))
    machine.display.listen((t) => out("  [vending]   " + oneLine(t)))
    out(`   one-time secret typed (${letter.secret.length} digits, not shown); new password typed twice (${password.length} digits, not shown)`)
    const enrolled = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password })
    const serial = shownSerial(enrolled)
    if (serial === null) {
        out("NOT ENROLLED: " + oneLine(enrolled))
        return 1
    }
    const issued = certs.serialsOf(letter.reference)
    out(`   the CA issued certificate ${issued.join(", ")}; the card fetched the CA's OCSP response about it, to staple to its signatures`)
    await sim.waitFor(() => (sim.cardVm?.lines() ?? []).some((l) => l.includes("CERT OCSP response stored")), 60_000, "the card fetched no OCSP response")

    out("")
    out(`3. an offline purchase at vending machine ${VENDING_MACHINE_ID}: its network link cut and the CA stopped; it decides alone`)
    out("   with the CA certificate in its settings, its own clock (DS3231) and the OCSP response the card staples")
    sim.vendingOnline = false
    await certs.stopCa()
    out("   key 1 and # on the machine's keypad; the card held up to its infrared port; the holder pages with # and types the password (not shown)")
    const fieldFrom = sim.fieldLines().length
    const boughtFrom = machineLines(sim).length
    let bought: Purchase
    try {
        bought = await buyAtMachine(sim, { slot: 1, password })
    } finally {
        await certs.startCa()
        sim.vendingOnline = true
    }
    out("   what crossed the infrared line:")
    const lines = sim.fieldLines()
    // The field trace names the card's counterpart "terminal": here it is the machine.
    for (let i = fieldFrom; i < lines.length; i++) out(formatTraceLine(lines[i], i + 1, 5).replace("terminal -> card", "machine  -> card").replace("card -> terminal", "card -> machine "))
    out(`   card: ${oneLine(bought.result)} (${bought.pages.length} page(s) read)`)
    out(`   machine: ${oneLine(bought.machine)}; items dispensed: ${bought.dispensed}; confirm on the card to dispense: ${bought.confirmToDispenseMs ?? "-"} ms`)
    machineReasons(sim, boughtFrom, out)

    out("")
    out("4. the card revoked at the CA; the machine, online again, refreshes the CA's CRL; the same card at the machine")
    const revoked = certs.revoke(letter.reference)
    out(`   revoked at the CA: ${revoked.join(", ")} (keyCompromise)`)
    const vm = machine.device
    const from = vm?.lines().length ?? 0
    await sim.waitFor(() => (vm?.lines() ?? []).slice(from).some((l) => /^VENDING CRL kept, [1-9]/.test(l)), CRL_REFRESH_WAIT_MS, "the machine kept no CRL listing the card", () => vm?.output() ?? "")
    out("   machine: " + ((vm?.lines() ?? []).slice(from).find((l) => l.startsWith("VENDING CRL kept")) ?? ""))
    const refusedFrom = machineLines(sim).length
    const refused = await buyAtMachine(sim, { slot: 2, password })
    out(`   card: ${oneLine(refused.result)}`)
    out(`   machine: ${oneLine(refused.machine)}; items dispensed: ${refused.dispensed}`)
    machineReasons(sim, refusedFrom, out)

    out("")
    out("displays now:")
    out("  card      " + oneLine(sim.cardDisplay.text))
    out("  vending   " + oneLine(machine.display.text))
    out("  terminal  " + oneLine(sim.terminalDisplay.text))
    const leaked = [...printed, ...transcript].some((l) => l.includes(letter.secret) || l.includes(password))
    if (leaked) {
        say("THE TRACE SHOWED A SECRET: this is a bug")
        return 1
    }
    const ok = bought.dispensed === 1 && /^TAKE YOUR ITEM/.test(bought.machine) && refused.dispensed === 0 && /^CARD REVOKED/.test(refused.machine)
    out(ok ? "the offline purchase dispensed once; the revoked card was refused" : "NOT AS EXPECTED")
    return ok ? 0 : 1
}

/** What the machine's VM printed so far (its console). */
function machineLines(sim: Simulator): string[] {
    return sim.vending?.device?.lines() ?? []
}

/** The reasons the machine's firmware logged for its refusals from console line `from` on. */
function machineReasons(sim: Simulator, from: number, out: (line: string) => void): void {
    for (const l of machineLines(sim).slice(from)) if (l.includes("vending: refused")) out("   machine's log: " + l)
}
