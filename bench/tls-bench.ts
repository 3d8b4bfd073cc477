// `npm run bench:tls`: the card's side of EAP-TLS 1.3 timed inside the DeviceScript VM, a full
// authentication (X25519, the server's Ed25519 certificate and CertificateVerify verified, the
// card's CertificateVerify signed, AES-128-GCM records, the exporter) beside one resumed with the
// ticket the full one brought (X25519 and the PSK: no certificates, no signatures), both replaying
// exchanges recorded against sessions of one payment server's EAP-TLS (OpenSSL, shared ticket
// keys); beside them the same peer in Node, the EAP round trips and the bytes each way. The
// card-side time of EAP-AKA' is in `npm run bench` (docs/benchmarks.md).

import { join } from "node:path"
import { buildProgram, ROOT, runOnBus } from "../sim/vm/devs-cli"
import { JacdacHub } from "../sim/vm/jacdac-hub"
import { makeResumedEapTlsVectors, writeEapTlsVectorsModule } from "../test/support/eap-tls-vectors"
import { nodeTlsHash } from "../sim/node-platform"
import { recordedPeer, type EapTlsVectors } from "../test/shared/eap-tls-replay-cases"

/** The best of `runs` replays of `v` in Node, in ms; throws when the replay does not end as recorded. */
async function nodeTime(v: EapTlsVectors, runs: number): Promise<number> {
    let best = Infinity
    for (let r = 0; r < runs; r++) {
        const peer = recordedPeer(v, nodeTlsHash, async () => {})
        const t0 = process.hrtime.bigint()
        for (const p of v.serverPackets) await peer.handle(Buffer.from(p, "hex"))
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6)
        if (peer.msk?.toString("hex") !== v.msk || peer.tls?.resumed !== (v.ticket !== null)) throw new Error("the Node replay differs from the recording: " + peer.failure)
    }
    return best
}

const bytes = (packets: string[]) => packets.reduce((n, p) => n + p.length / 2, 0)
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length))

async function main(): Promise<void> {
    const { full, resumed } = await makeResumedEapTlsVectors()
    writeEapTlsVectorsModule(join(ROOT, "bench/programs/generated/eap-tls-vectors.ts"), full, full, resumed)
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
    const nodeFull = await nodeTime(full, 10)
    const nodeResumed = await nodeTime(resumed, 10)
    const row = (label: string, a: string, b: string, c: string) => console.log("  " + pad(label, 38) + pad(a, 14) + pad(b, 14) + c)
    console.log("the card's side of EAP-TLS 1.3 (mutual, X25519, Ed25519, AES-128-GCM): a full handshake and one resumed with its ticket\n")
    row("", "full", "resumed", "resumed/full")
    row("card side in the VM (best of 3)", `${vm.full} ms`, `${vm.resumed} ms`, (vm.resumed / vm.full).toFixed(2))
    row("the same code in Node (best of 10)", `${nodeFull.toFixed(2)} ms`, `${nodeResumed.toFixed(2)} ms`, (nodeResumed / nodeFull).toFixed(2))
    row("VM / Node", `${(vm.full / nodeFull).toFixed(0)}x`, `${(vm.resumed / nodeResumed).toFixed(0)}x`, "")
    row("EAP requests (then the Success)", `${full.serverPackets.length - 1}`, `${resumed.serverPackets.length - 1}`, "")
    row("bytes of EAP from the server", `${bytes(full.serverPackets)}`, `${bytes(resumed.serverPackets)}`, (bytes(resumed.serverPackets) / bytes(full.serverPackets)).toFixed(2))
    row("bytes of EAP from the card", `${bytes(full.cardResponses)}`, `${bytes(resumed.cardResponses)}`, (bytes(resumed.cardResponses) / bytes(full.cardResponses)).toFixed(2))
    const steps = (prefix: string) =>
        Object.keys(vm)
            .filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)))
            .map((k) => `${k.slice(prefix.length)}: ${vm[k]} ms`)
            .join(", ")
    console.log(`\n  per server packet in the VM, full: ${steps("step")}`)
    console.log(`  per server packet in the VM, resumed: ${steps("rstep")}`)
    console.log(`  benchmark image ${program.imageBytes} bytes`)
}

await main()
