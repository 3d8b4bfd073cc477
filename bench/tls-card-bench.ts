// `npm run bench:tls-card`: the card's side of a whole payment inside the card VM, EAP-TLS beside
// EAP-AKA' in one run: each card's application (APDUs, PIN check, flash writes read back, the
// method) replays payments recorded in Node against the payment server, every answer checked.
// EAP-TLS: a full handshake, then a payment resumed with a ticket the first left in flash;
// EAP-AKA': a full authentication (bench/card-transcript.ts, as `npm run bench:firmware`).
// The VM runs on a Jacdac bus without GC stress, as a board runs the bytecode.

import { buildProgram, runOnBus } from "../sim/vm/devs-cli"
import { HUB_PORT, JacdacHub } from "../sim/vm/jacdac-hub"
import { recordTranscript, writeTranscriptModule } from "./card-transcript"
import { recordTlsTranscript, writeTlsTranscriptModule } from "./tls-card-transcript"

const ROUNDS = 5

async function runLine(entry: string, name: string, prefix: string): Promise<number[]> {
    const program = await buildProgram(entry, name)
    const hub = new JacdacHub() // `devs run` outside test mode needs a bus, even an empty one
    await hub.start(HUB_PORT, 600_000)
    try {
        const run = await runOnBus(program, prefix, 600_000)
        const line = run.lines.find((l) => l.startsWith(prefix + " "))
        if (!line) throw new Error(`${entry} did not complete:\n` + run.output.slice(-2000))
        return line.split(" ").slice(2).map(Number)
    } finally {
        await hub.stop()
    }
}

async function main(): Promise<void> {
    writeTranscriptModule(await recordTranscript(), 0, ROUNDS)
    writeTlsTranscriptModule(await recordTlsTranscript(), ROUNDS)
    const [akaMs, akaCommands, akaMismatches] = await runLine("bench/programs/card-transaction.ts", "bench-card-transaction", "CARD TXN")
    const [fullMs, resumedMs, fullCommands, resumedCommands, tlsMismatches] = await runLine("bench/programs/tls-card-transaction.ts", "bench-tls-card-transaction", "TLS TXN")
    if (akaMismatches !== 0 || tlsMismatches !== 0) throw new Error(`answers differ from the recordings: EAP-AKA' ${akaMismatches}, EAP-TLS ${tlsMismatches}`)
    console.log(`\n== the card's side of a whole payment in the card VM (mean of ${ROUNDS} rounds, every answer as recorded) ==`)
    console.log(`  EAP-AKA' full authentication: ${akaMs.toFixed(1)} ms, ${akaCommands} APDUs`)
    console.log(`  EAP-TLS full handshake:       ${fullMs.toFixed(1)} ms, ${fullCommands} APDUs   (${(fullMs / akaMs).toFixed(2)}x EAP-AKA')`)
    console.log(`  EAP-TLS resumed:              ${resumedMs.toFixed(1)} ms, ${resumedCommands} APDUs   (${(resumedMs / akaMs).toFixed(2)}x EAP-AKA'; target within 2x: ${resumedMs <= 2 * akaMs ? "met" : "NOT met"})`)
}

await main()
