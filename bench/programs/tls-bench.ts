// The card's side of one full EAP-TLS 1.3 authentication inside the DeviceScript VM: the exchange
// recorded in Node against the server's EAP-TLS session (bench/tls-bench.ts writes it) replayed
// three times; prints "BENCH <name> <ms>" lines for each step, then "BENCH DONE".

import * as ds from "@devicescript/core"
import { fromHex } from "../../src/bytes"
import { recordedPeer } from "../../test/shared/eap-tls-replay-cases"
import { EAP_TLS_VECTORS } from "./generated/eap-tls-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../devices/common/platform"

async function main(): Promise<void> {
    const v = EAP_TLS_VECTORS
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
        if (peer.msk === null) {
            console.log("BENCH FAIL " + peer.failure)
            return
        }
        if (total < best) {
            best = total
            bestSteps = steps
        }
    }
    for (let i = 0; i < bestSteps.length; i++) console.log("BENCH step" + i + " " + bestSteps[i])
    console.log("BENCH full " + best)
    console.log("BENCH DONE")
}

await main()
