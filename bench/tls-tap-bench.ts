// `npm run bench:tls-tap`: tap-to-approval in the simulator for EAP-TLS beside EAP-AKA', in one
// run, over the abstract Card Link field, NFC and infrared. Each method gets its own simulator per
// link (its card image: devices/card or devices/card-tls; the same terminal image), and three
// sales under the no-PIN limit: the first is a full authentication (EAP-AKA' with the card ID,
// EAP-TLS with certificates), the next two the fast path (EAP-AKA' fast re-authentication,
// EAP-TLS resumption with a ticket). Time from the first frame in the field to the result on the
// terminal's display; EAP messages that crossed. The chips' figures include the simulation's own
// costs (each I2C transaction crosses the VM's Jacdac loop, the light is slowed 4x). `-- --link L`
// measures one link only.

import { buildFirmware, type CardMethod, type Firmware } from "../sim/simulator/firmware"
import type { SimLink } from "../sim/simulator/boards"
import { Simulator } from "../sim/simulator/simulator"
import { runSale } from "../sim/simulator/sale"
import { median } from "./median"

interface Figures {
    full: number
    fast: number[]
    fullMessages: number
    fastMessages: number
}

const EAP = /^EAP-/

async function sales(firmware: Firmware, link: SimLink): Promise<Figures> {
    const sim = await Simulator.start({ firmware, noPinLimit: 50_000, waitForBusMs: 600_000, link })
    try {
        const times: number[] = []
        const messages: number[] = []
        for (let i = 0; i < 3; i++) {
            const before = sim.fieldLines().length
            // A full EAP-TLS handshake over the emulated infrared line takes longer than the sale's default wait.
            const r = await runSale(sim, { amount: 30_000 + i, months: 0, pin: sim.pin, timeoutMs: 120_000 })
            if (!r.approved || r.tapToResultMs === null) throw new Error(`bench sale over ${link} not approved: ` + r.display)
            times.push(r.tapToResultMs)
            messages.push(sim.fieldLines().slice(before).filter((l) => EAP.test(l.what)).length)
        }
        return { full: times[0], fast: times.slice(1), fullMessages: messages[0], fastMessages: messages[2] }
    } finally {
        await sim.stop()
    }
}

async function main(): Promise<void> {
    const firmware: Record<CardMethod, Firmware> = { aka: await buildFirmware({ cardMethod: "aka" }), tls: await buildFirmware({ cardMethod: "tls" }) }
    console.log("\n== tap-to-approval, EAP-TLS beside EAP-AKA' (no PIN; ms from the first frame in the field to the result on the terminal) ==")
    console.log(`card images: EAP-AKA' ${firmware.aka.card.imageBytes} bytes, EAP-TLS ${firmware.tls.card.imageBytes} bytes; terminal ${firmware.tls.terminal.imageBytes} bytes (the same image for both)`)
    const only = process.argv.indexOf("--link")
    const links = (only > 0 ? [process.argv[only + 1]] : ["cardlink", "nfc", "infrared"]) as SimLink[]
    for (const link of links) {
        const aka = await sales(firmware.aka, link)
        const tls = await sales(firmware.tls, link)
        console.log(`\n  over ${link}:`)
        console.log(`    EAP-AKA'  full ${aka.full} ms (${aka.fullMessages} EAP messages), fast re-authentication median ${median(aka.fast)} ms [${aka.fast.join(", ")}] (${aka.fastMessages})`)
        console.log(`    EAP-TLS   full ${tls.full} ms (${tls.fullMessages} EAP messages), resumed median ${median(tls.fast)} ms [${tls.fast.join(", ")}] (${tls.fastMessages})`)
        console.log(`    resumed EAP-TLS / fast EAP-AKA': ${(median(tls.fast) / median(aka.fast)).toFixed(2)}x;  full EAP-TLS / full EAP-AKA': ${(tls.full / aka.full).toFixed(2)}x`)
    }
}

await main()
