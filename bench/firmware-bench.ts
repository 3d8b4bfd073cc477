// `npm run bench` (firmware part): the card and terminal firmware as the simulator runs them.
//   - compiled image size of each firmware;
//   - card-side time per transaction inside the card VM (a recorded EAP-AKA' payment replayed
//     through the card application, every answer checked; VM without GC stress);
//   - the card's peak heap: the most ballast under which personalization plus a transaction
//     still complete (VM test mode, GC stress on, so garbage does not count; the card's real
//     flash settings), against the free heap of an empty program;
//   - tap-to-approval in the simulator: from the first frame in the field to the approval on the
//     terminal's display, without a PIN (under the card's no-PIN limit) and with one.
// Figures, not pass/fail; the targets are printed beside them.

import { buildProgram, runOnBus, runTestMode } from "../sim/vm/devs-cli"
import { emptyProgramBuffers } from "./empty-heap"
import { HUB_PORT, JacdacHub } from "../sim/vm/jacdac-hub"
import { buildFirmware } from "../sim/simulator/firmware"
import { Simulator } from "../sim/simulator/simulator"
import { runSale, type SaleResult } from "../sim/simulator/sale"
import { recordTranscript, Transcript, writeTranscriptModule } from "./card-transcript"
import { median } from "./median"

/** An approved sale's time from the first field message to the result (one always crossed). */
function tapToResult(r: SaleResult): number {
    if (r.tapToResultMs === null) throw new Error("a sale approved with no message in the field")
    return r.tapToResultMs
}

const BUFFER = 256

async function cardTransactionTime(t: Transcript, rounds: number): Promise<{ ms: number; commands: number; mismatches: number }> {
    writeTranscriptModule(t, 0, rounds)
    const program = await buildProgram("bench/programs/card-transaction.ts", "bench-card-transaction")
    const hub = new JacdacHub() // `devs run` outside test mode needs a bus, even an empty one
    await hub.start(HUB_PORT, 600_000)
    try {
        const run = await runOnBus(program, "CARD TXN", 300_000)
        const line = run.lines.find((l) => l.startsWith("CARD TXN "))
        if (!line) throw new Error("the card transaction did not complete:\n" + run.output.slice(-2000))
        const [ms, commands, mismatches] = line.split(" ").slice(2).map(Number)
        return { ms, commands, mismatches }
    } finally {
        await hub.stop()
    }
}

/** Completes (every answer as recorded) while holding `ballast` buffers? */
async function completesWith(t: Transcript, ballast: number): Promise<boolean> {
    writeTranscriptModule(t, ballast, 1)
    const program = await buildProgram("bench/programs/card-transaction.ts", "bench-card-heap")
    const run = await runTestMode(program, 120_000)
    const line = run.lines.find((l) => l.startsWith("CARD TXN "))
    return line !== undefined && line.split(" ")[4] === "0"
}

async function main(): Promise<void> {
    console.log("\n== firmware ==")
    const firmware = await buildFirmware()
    console.log("compiled images (bytecode deployed to a board):")
    console.log(`  card      ${firmware.card.imageBytes} bytes   target < 65536: ${firmware.card.imageBytes < 65536 ? "met" : "NOT met"}`)
    console.log(`  terminal  ${firmware.terminal.imageBytes} bytes`)

    const transcript = await recordTranscript()
    const time = await cardTransactionTime(transcript, 20)
    console.log(`\ncard-side time per EAP-AKA' payment in the card VM (${time.commands} APDUs from SELECT to EAP-Success, 20 rounds):`)
    console.log(`  ${time.ms.toFixed(1)} ms per transaction (PIN check, EAP-AKA', the flash writes with read-back, a VM yield per APDU), ${time.mismatches} answers differing from the recording`)

    const base = await emptyProgramBuffers()
    let lo = 0 // completes
    let hi = base // cannot complete: nothing left
    if (!(await completesWith(transcript, lo))) throw new Error("the card transaction does not complete even without ballast")
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (await completesWith(transcript, mid)) lo = mid
        else hi = mid
    }
    const peak = (base - lo) * BUFFER // per buffer the VM also spends a header and an 8-byte array slot: a lower bound
    console.log(`\ncard peak heap (personalization + one payment; ballast search in ${BUFFER}-byte buffers, resolution one buffer):`)
    console.log(`  free heap of an empty program ~${base * BUFFER} bytes; the card still completes with ${lo} buffers held`)
    console.log(`  peak heap of the card application ~${peak} bytes   target < 24576: ${peak < 24576 ? "met" : "NOT met"}`)

    const sim = await Simulator.start({ firmware, noPinLimit: 50_000, waitForBusMs: 600_000, link: "cardlink" })
    try {
        const noPin: number[] = []
        for (let i = 0; i < 6; i++) {
            const r = await runSale(sim, { amount: 20_000 + i, months: 0, pin: sim.pin })
            if (!r.approved) throw new Error("bench sale not approved: " + r.display)
            noPin.push(tapToResult(r))
        }
        const withPin: number[] = []
        for (let i = 0; i < 4; i++) {
            const r = await runSale(sim, { amount: 60_000 + i, months: 3, pin: sim.pin })
            if (!r.approved) throw new Error("bench sale not approved: " + r.display)
            withPin.push(tapToResult(r))
        }
        console.log("\ntap-to-approval in the simulator over the abstract Card Link field (two VMs, real payment server over RADIUS/TCP; first sale is a full EAP-AKA' authentication, the rest fast re-authentication):")
        console.log(`  no PIN (under the no-PIN limit): median ${median(noPin)} ms  [${noPin.join(", ")}]   target < 500: ${median(noPin) < 500 ? "met" : "NOT met"}`)
        console.log(`  with PIN (the simulated holder types 4 digits and # at 15 ms per key): median ${median(withPin)} ms  [${withPin.join(", ")}]`)
        console.log(`  Card Link frames retransmitted: ${sim.retransmissions}`)
    } finally {
        await sim.stop()
    }

    // The same sales through the firmware's drivers and the emulated chips. Every I2C transaction
    // crosses the VM's Jacdac loop (~20 ms, against ~0.1 ms on a board) and the simulated light is
    // slowed 4x: these figures show what the simulation costs, not what a board will do.
    for (const link of ["nfc", "infrared"] as const) {
        const chips = await Simulator.start({ firmware, noPinLimit: 50_000, waitForBusMs: 600_000, link })
        try {
            const times: number[] = []
            let transactions = 0
            for (let i = 0; i < 3; i++) {
                const before = chips.chips!.terminalBus.transactions + chips.chips!.cardBus.transactions
                const r = await runSale(chips, { amount: 30_000 + i, months: 0, pin: chips.pin })
                if (!r.approved) throw new Error(`bench sale over ${link} not approved: ` + r.display)
                times.push(tapToResult(r))
                transactions = chips.chips!.terminalBus.transactions + chips.chips!.cardBus.transactions - before
            }
            console.log(`  over ${link} (drivers against emulated chips), no PIN: median ${median(times)} ms  [${times.join(", ")}], ${transactions} I2C transactions on both buses for the last sale (keys typed included)`)
        } finally {
            await chips.stop()
        }
    }
}

await main()
