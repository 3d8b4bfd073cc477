// `npm start`: the project's main job. Builds the card and terminal firmware, starts the payment
// server on embedded defaults, provisions and personalizes a demo card, and runs one complete
// payment with the real bytecode in two VMs: amount and installments typed on the terminal's
// keypad, the card tapped, the PIN typed when the terminal asks, approval. Prints the exchange as
// the terminal saw it, then both displays. Exit code 0 on approval, 1 otherwise.
// `npm run sim` (--interactive): the same boards, driven by a person (see `help`).
// --link nfc (default) | infrared | cardlink: how the card reaches the terminal (see simulator/boards.ts).
// --method aka (default) | tls: the card image's EAP method family (devices/card or devices/card-tls);
// with tls the server offers EAP-TLS 1.3 with certificates from the issuer's CA.
// --web [--port N]: the boards on a web page at http://127.0.0.1:N/ (default 8090) instead of the
// command line (sim/dashboard/); `npm run dashboard` is the same.
// --story certificate: the certificate story instead of the sale (sim/simulator/certificate-story.ts):
// CA, service provider and SMSC started too; enrolment, a transfer signed after an SMS, a payment
// signed over infrared. Exit code 0 when both are performed.
// --vending (with --interactive): the vending machine and the certificate services on the bus too,
// with commands to enrol the card, carry it between terminal and machine and type on the machine.
// --story vending: the offline vending machine as a third VM (sim/simulator/vending-story.ts):
// enrolment, one purchase decided offline, the card revoked and refused. Exit code 0 when the
// purchase dispensed once and the revoked card was refused.

import { createInterface } from "node:readline"
import { buildFirmware } from "./simulator/firmware"
import { SIM_LINKS, type SimLink } from "./simulator/boards"
import { Simulator } from "./simulator/simulator"
import { runSale } from "./simulator/sale"
import { formatTraceLine } from "./trace/field-trace"
import { DashboardServer, DEFAULT_DASHBOARD_PORT } from "./dashboard/dashboard-server"
import { certificateStory } from "./simulator/certificate-story"
import { vendingStory } from "./simulator/vending-story"
import { enrolCard } from "./simulator/certificate-flows"

const web = process.argv.includes("--web")
const interactive = process.argv.includes("--interactive") || web
const portArg = process.argv.indexOf("--port")
const webPort = portArg > 0 ? Number(process.argv[portArg + 1]) : DEFAULT_DASHBOARD_PORT
if (!Number.isInteger(webPort) || webPort < 0 || webPort > 65535) {
    console.error("--port must be a TCP port number")
    process.exit(2)
}
const storyArg = process.argv.indexOf("--story")
const story = storyArg > 0 ? process.argv[storyArg + 1] : "sale"
if (story !== "sale" && story !== "certificate" && story !== "vending") {
    console.error("--story must be sale, certificate or vending")
    process.exit(2)
}
const methodArg = process.argv.indexOf("--method")
const cardMethod = methodArg > 0 ? process.argv[methodArg + 1] : "aka"
if (cardMethod !== "aka" && cardMethod !== "tls") {
    console.error("--method must be aka (EAP-AKA'/AKA, the default) or tls (EAP-TLS 1.3)")
    process.exit(2)
}
if (cardMethod === "tls" && (story !== "sale" || process.argv.includes("--vending"))) {
    console.error("--method tls is for the sale (npm start -- --method tls) and the interactive simulator without --vending: the EAP-TLS card image has no certificate application")
    process.exit(2)
}
const vendingAsked = process.argv.includes("--vending")
if (vendingAsked && (web || !interactive)) {
    console.error("--vending is for the interactive simulator (npm run sim -- --vending); the dashboard does not draw the vending machine")
    process.exit(2)
}
const vending = story === "vending" || vendingAsked
const certificates = story === "certificate" || vending
const linkArg = process.argv.indexOf("--link")
// The certificate story's card holds its modem on its I2C bus and signs over infrared.
const link = (linkArg > 0 ? process.argv[linkArg + 1] : certificates ? "infrared" : "nfc") as SimLink
if (!SIM_LINKS.includes(link) || (certificates && link === "cardlink")) {
    console.error(`--link must be one of ${SIM_LINKS.join(", ")}${certificates ? " (not cardlink: the certificate story needs the card's chips)" : ""}`)
    process.exit(2)
}
const started = Date.now()
/** Everything printed, for the certificate story's check that no secret appears in it. */
const transcript: string[] = []
const say = (line: string) => {
    transcript.push(line)
    console.log(line)
}

say("activecard simulator: card and terminal firmware in DeviceScript VMs, payment server in Node")
say(`building firmware (${cardMethod === "tls" ? "devices/card-tls" : "devices/card"}, devices/terminal${vending ? ", devices/vending" : ""}) with the DeviceScript compiler...`)
const firmware = await buildFirmware({ vending, cardMethod })
say(`  card image ${firmware.card.imageBytes} bytes, terminal image ${firmware.terminal.imageBytes} bytes${firmware.vending ? `, vending image ${firmware.vending.imageBytes} bytes` : ""}`)
// Server lines are printed in the timeline with the messages (and live in interactive mode).
say(`card and server authenticate with ${cardMethod === "tls" ? "EAP-TLS 1.3 (certificates from the issuer's CA; the payment confirmed and decided inside the tunnel)" : "EAP-AKA' (EAP-AKA accepted)"}`)
say(`link between card and terminal: ${link}${link === "cardlink" ? " (abstract field)" : " (emulated chips, the firmware's own drivers)"}`)
if (certificates) say("certificate story: certification authority, service provider (bank) and SMSC in Node, the card's modem emulated on its I2C bus")
if (vending) say("vending story: the vending machine's firmware in a third VM, its LCD, keypad, infrared port and clock emulated, its relay counted")
const sim = await Simulator.start({ firmware, link, certificates, vending, log: (l) => (interactive || !l.startsWith("[server]") ? say("  " + l) : undefined) })
process.on("SIGINT", () => void sim.stop().then(() => process.exit(130)))

function displays(): void {
    say("terminal display:  " + sim.terminalDisplay.text.split("\n").join("\n                   "))
    say("card display:      " + sim.cardDisplay.text.split("\n").join("\n                   ") + `   (LED ${sim.cardLed.color})`)
}

function printTimeline(fromField: number, fromEntry: number): void {
    const lines = sim.fieldLines()
    sim.timeline.slice(fromEntry).forEach((e) => {
        if (e.kind === "server") say(`      [server log] ${e.text}`)
        else if (e.index >= fromField) say(formatTraceLine(lines[e.index], e.index + 1, 2))
    })
}

async function demo(): Promise<number> {
    const amount = 12500
    const months = 3
    say("")
    say(`sale: ${amount} KRW in ${months} monthly installments, at terminal TERM0001 of merchant MERCHANT0001`)
    say("the merchant types the amount and installments, the holder taps the card and types the PIN (masked)")
    const result = await runSale(sim, { amount, months, pin: sim.pin })
    say("")
    say("what crossed the terminal, in order (readable: what the terminal can see; opaque: what it cannot use):")
    printTimeline(0, 0)
    say("")
    say(`result after ${result.tapToResultMs ?? "?"} ms from tap (PIN typing included), ${((Date.now() - started) / 1000).toFixed(1)} s in all:`)
    // The display was cleared for the next sale: show what it showed.
    say("terminal display:  " + result.display.split("\n").join("\n                   "))
    const receipt = sim.cardDisplay.shown.filter((t) => /^(APPROVED|DECLINED|AUTHENTICATED|CANCELLED|WRONG PIN|CARD LOCKED|PAYMENT MISMATCH)/.test(t)).at(-1) ?? "(none)"
    say("card receipt:      " + receipt + (cardMethod === "tls" ? "   (verified by the card inside the TLS tunnel)" : "   (verified by the card under AT_MAC)"))
    if (!result.approved) say(`NOT APPROVED: ${result.display.split("\n")[0]}`)
    return result.approved ? 0 : 1
}

async function repl(): Promise<void> {
    say("")
    say("interactive: type `help`. Displays are printed when they change.")
    sim.terminalDisplay.listen((t) => say("  [terminal] " + t.split("\n").join(" | ")))
    sim.cardDisplay.listen((t) => say("  [card]     " + t.split("\n").join(" | ")))
    sim.vending?.display.listen((t) => say("  [vending]  " + t.split("\n").join(" | ")))
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "sim> " })
    let shownField = 0
    let shownEntries = 0
    rl.prompt()
    for await (const raw of rl) {
        const line = raw.trim()
        const [cmd, ...rest] = line.split(/\s+/)
        try {
            if (cmd === "help" || cmd === "") {
                say("  <digits, # or *>   press those keys on the terminal keypad (# confirms, * clears/cancels)")
                say("  tap | pull         hold the card to the terminal / take it away (also mid-transaction)")
                say("  pin                type the demo card's PIN on the keypad (masked), then #")
                say("  button             press the card's button (refuse the payment on its display, or show the last result)")
                say("  card <keys>        press keys on the card's keypad (digits, # enters, * takes one back)")
                say("  server stop|start  stop or restart the payment server (its data is kept)")
                say("  reboot             power-cycle the card (its flash is kept)")
                say("  trace              the messages that crossed the field since the last `trace`")
                if (sim.vending) {
                    say("  enrol <password>   register a holder at the CA's desk and enrol the card: the letter's reference")
                    say("                     and secret are typed on the card unseen, then your new password (6-12 digits) twice")
                    say("  carry terminal|machine   hold the card's infrared port to the terminal or the vending machine")
                    say("  vend <keys>        keys on the vending machine's keypad (a slot 1-4, # buys, * back)")
                    say("  machine offline|online|reboot   cut or restore its network link, or power-cycle it")
                    say("  revoke             revoke the enrolled card's certificate at the CA")
                }
                say("  status | quit")
            } else if (/^[0-9#*]+$/.test(cmd)) await sim.keys(cmd)
            else if (cmd === "tap") sim.tap()
            else if (cmd === "pull") sim.pull()
            else if (cmd === "pin") await sim.keys(sim.pin + "#")
            else if (cmd === "button") sim.pressCardButton()
            else if (cmd === "card" && /^[0-9#*]+$/.test(rest[0] ?? "")) await sim.cardKeys(rest[0])
            else if (cmd === "server" && rest[0] === "stop") await sim.stopServer()
            else if (cmd === "server" && rest[0] === "start") await sim.startServer()
            else if (cmd === "reboot") await sim.rebootCard()
            else if (sim.vending && (await vendingCommand(cmd, rest))) {
                // handled
            }
            else if (cmd === "trace") {
                printTimeline(shownField, shownEntries)
                shownField = sim.fieldLines().length
                shownEntries = sim.timeline.length
            } else if (cmd === "status") {
                displays()
                say(`field: ${sim.field}, server: ${sim.server ? "running" : "stopped"}, retransmitted frames: ${sim.retransmissions}`)
                if (sim.vending) say(`vending machine: ${sim.vending.display.text.split("\n").join(" | ")}; ${sim.vendingOnline ? "online" : "offline"}; dispensed ${sim.vending.relay.activations}`)
            } else if (cmd === "quit" || cmd === "exit") break
            else say(`  unknown command ${cmd}: try help`)
        } catch (e) {
            say(`  ${(e as Error).message}`)
        }
        rl.prompt()
    }
    rl.close()
}

/** The holder's enrolment letter in this session (its reference is what `revoke` revokes). */
let letter: { reference: string; secret: string } | null = null

/** The interactive vending commands; false when `cmd` is not one of them. */
async function vendingCommand(cmd: string, rest: string[]): Promise<boolean> {
    const certs = sim.certificates!
    if (cmd === "enrol" && /^[0-9]{6,12}$/.test(rest[0] ?? "")) {
        letter = certs.readMailer(certs.registerHolder())
        say("  registered at the CA's desk; the card enrols (key generation and CMP take a while)...")
        const result = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password: rest[0] })
        say("  " + result.split("\n").join(" | "))
    } else if (cmd === "enrol") say("  enrol <password>: the password is 6 to 12 digits")
    else if (cmd === "carry" && rest[0] === "terminal") sim.moveCardTo("terminal")
    else if (cmd === "carry" && rest[0] === "machine") sim.moveCardTo("vending")
    else if (cmd === "vend" && /^[0-9#*]+$/.test(rest[0] ?? "")) await sim.vendingKeys(rest[0])
    else if (cmd === "machine" && rest[0] === "offline") sim.vendingOnline = false
    else if (cmd === "machine" && rest[0] === "online") sim.vendingOnline = true
    else if (cmd === "machine" && rest[0] === "reboot") await sim.rebootVending()
    else if (cmd === "revoke" && letter !== null) say("  revoked at the CA: " + certs.revoke(letter.reference).join(", "))
    else if (cmd === "revoke") say("  nothing to revoke: enrol first")
    else return false
    return true
}

/** Serves the dashboard until the process is stopped (Ctrl-C). */
async function serveWeb(): Promise<void> {
    const dashboard = await DashboardServer.start(sim, { port: webPort, log: say })
    say("")
    say(`dashboard: ${dashboard.url}  (Ctrl-C stops the simulator)`)
    await new Promise<void>((resolve) => process.once("SIGTERM", resolve))
    await dashboard.stop()
}

let code = 1
try {
    if (web) {
        await serveWeb()
        code = 0
    } else if (interactive) {
        await repl()
        code = 0
    } else if (vending) code = await vendingStory(sim, say, transcript)
    else if (certificates) code = await certificateStory(sim, say, transcript)
    else code = await demo()
} catch (e) {
    console.error(`simulation failed: ${(e as Error).message}`)
} finally {
    await sim.stop()
}
process.exit(code)
