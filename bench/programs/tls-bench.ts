// The card's side of EAP-TLS 1.3 inside the DeviceScript VM: a full authentication and one resumed
// with the ticket the full one brought, both recorded in Node against sessions of one EAP-TLS
// server (bench/tls-bench.ts writes them), each replayed three times. Prints "BENCH <name> <ms>"
// lines: "step<i>" and "full" for the full handshake, "rstep<i>" and "resumed" for the resumed
// one (the best of three); "BENCH FAIL <why>" when a replay goes wrong; then "BENCH DONE".

import * as ds from "@devicescript/core"
import { fromHex, toHex } from "../../src/bytes"
import { EapTlsVectors, recordedPeer } from "../../test/shared/eap-tls-replay-cases"
import { EAP_TLS_RESUMED_VECTORS, EAP_TLS_VECTORS } from "./generated/eap-tls-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../devices/common/platform"

/** The best of three replays of `v`: "BENCH <stepName><i>" per server packet, then "BENCH <name>"; false after a "BENCH FAIL". */
async function replay(v: EapTlsVectors, name: string, stepName: string, resumed: boolean): Promise<boolean> {
    let best = 1e9
    let bestSteps: number[] = []
    for (let run = 0; run < 3; run++) {
        const peer = recordedPeer(v, { hmac: deviceHmacSha256, sha256: deviceSha256 }, yieldSlice)
        const steps: number[] = []
        let total = 0
        for (let i = 0; i < v.serverPackets.length; i++) {
            const packet = fromHex(v.serverPackets[i])
            await ds.sleep(0)
            const t0 = ds.millis()
            await peer.handle(packet)
            const ms = ds.millis() - t0
            steps.push(ms)
            total += ms
        }
        // No local holds the TLS client: kept to the next run, two clients would not fit the heap.
        const tookTicket = peer.tls !== null && peer.tls.resumed
        if (peer.msk === null || toHex(peer.msk) !== v.msk) {
            console.log("BENCH FAIL " + name + ": no MSK or another one " + peer.failure)
            return false
        }
        if (tookTicket !== resumed) {
            console.log("BENCH FAIL " + name + ": resumed is not " + resumed)
            return false
        }
        if (total < best) {
            best = total
            bestSteps = steps
        }
    }
    for (let i = 0; i < bestSteps.length; i++) console.log("BENCH " + stepName + i + " " + bestSteps[i])
    console.log("BENCH " + name + " " + best)
    return true
}

async function main(): Promise<void> {
    const full = EAP_TLS_VECTORS
    const resumed = EAP_TLS_RESUMED_VECTORS
    if (full === null || resumed === null) console.log("BENCH FAIL no full or no resumed recording")
    else if (await replay(full, "full", "step", false)) await replay(resumed, "resumed", "rstep", true)
}

await main()
console.log("BENCH DONE")
