// `npm run bench:tls`: the card's side of one full EAP-TLS 1.3 authentication (X25519,
// the server's Ed25519 certificate and CertificateVerify verified, the card's CertificateVerify
// signed, AES-128-GCM records, the exporter) timed inside the DeviceScript VM, replaying an
// exchange recorded against the payment server's EAP-TLS session; beside it the same peer in
// Node, the EAP round trips and the bytes each way. The card-side time of EAP-AKA' is in
// `npm run bench` (docs/benchmarks.md).

import { join } from "node:path"
import { buildProgram, ROOT, runOnBus } from "../sim/vm/devs-cli"
import { JacdacHub } from "../sim/vm/jacdac-hub"
import { makeEapTlsVectors, writeEapTlsVectorsModule } from "../test/support/eap-tls-vectors"
import { nodeTlsHash } from "../sim/node-platform"
import { recordedPeer } from "../test/shared/eap-tls-replay-cases"

async function main(): Promise<void> {
    const v = await makeEapTlsVectors()
    writeEapTlsVectorsModule(join(ROOT, "bench/programs/generated/eap-tls-vectors.ts"), v)
    const program = await buildProgram("bench/programs/tls-bench.ts", "tls-bench")
    const hub = new JacdacHub()
    await hub.start()
    let vm: Record<string, number>
    try {
        const run = await runOnBus(program, "BENCH DONE", 600_000)
        if (run.code !== 0 || run.lines.some((l) => l.startsWith("BENCH FAIL"))) throw new Error("VM benchmark failed:\n" + run.output.slice(-3000))
        vm = Object.fromEntries(run.lines.filter((l) => l.startsWith("BENCH ") && l !== "BENCH DONE").map((l) => [l.split(" ")[1], Number(l.split(" ")[2])]))
    } finally {
        await hub.stop()
    }
    let node = Infinity
    for (let r = 0; r < 5; r++) {
        const peer = recordedPeer(v, nodeTlsHash, async () => {})
        const t0 = process.hrtime.bigint()
        for (const p of v.serverPackets) await peer.handle(Buffer.from(p, "hex"))
        node = Math.min(node, Number(process.hrtime.bigint() - t0) / 1e6)
    }
    const down = v.serverPackets.reduce((n, p) => n + p.length / 2, 0)
    const up = v.cardResponses.reduce((n, p) => n + p.length / 2, 0)
    console.log("the card's side of one full EAP-TLS 1.3 authentication (mutual, X25519, Ed25519, AES-128-GCM)\n")
    console.log(`  in the VM: ${vm.full} ms   in Node (the same portable code): ${node.toFixed(1)} ms   ratio ${(vm.full / node).toFixed(0)}x`)
    console.log(`  EAP round trips: ${v.serverPackets.length - 1} requests and the Success; bytes of EAP from the server ${down}, from the card ${up} (benchmark image ${program.imageBytes} bytes)`)
    const steps = Object.keys(vm).filter((k) => k.startsWith("step")).map((k) => `${k.slice(4)}: ${vm[k]} ms`)
    console.log(`  per server packet in the VM: ${steps.join(", ")}`)
}

await main()
