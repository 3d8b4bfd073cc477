// `npm run bench:vending`: one offline vending exchange measured, over objects the real CA makes
// (test/support/vending-fixtures.ts: cards enrolled over CMP, OCSP responses from /ocsp, the CRL
// from /crl):
//   - card-side time inside the VM (the bytecode, no GC stress): parsing the machine's challenge
//     and signing it as the card's certificate application does (sealed key unsealed with the
//     password, CMS SignedData with the stapled OCSP response, Ed25519); the counter writes to
//     flash around the unsealing are not in it;
//   - machine-side time inside the VM: verifySale with the stapled OCSP response, with a cached
//     CRL instead, and verifyCrl (the refresh when online); beside them in the same run, the same
//     verifySale in Node with node:crypto and with the bytecode's own crypto, as ratios;
//   - the vending image (devices/vending/main.ts): size, end of the code section, functions,
//     against the limits of docs/devicescript.md;
//   - the verification's peak heap: the most 256-byte ballast buffers under which verifySale (both
//     paths) and verifyCrl still complete (VM test mode, GC stress on), against the free heap of an
//     empty program. A run that has not completed in HEAP_RUN_MS counts as not completing;
//   - in the simulator (card, terminal and machine firmware in their VMs, chips emulated): the time
//     from the holder's confirmation on the card (the password's last digit shown) to the machine's
//     relay, for SIM_PURCHASES purchases by one enrolled card.
// Figures, not pass/fail; the limits are printed beside them. The VM timings and the simulator use
// the bus port (sim/vm/bus-port.ts): run under `flock /tmp/activecard-8082.lock`, or with
// ACTIVECARD_BUS_PORT set to a port of its own. `--part time`, `--part size` or `--part sim` runs
// one part (the size and heap part needs no bus).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildProgram, CODE_SECTION_LIMIT, IMAGE_LIMIT_BOARD, IMAGE_LIMIT_SIMULATOR, ROOT, runOnBus, runTestMode, type BuiltProgram } from "../sim/vm/devs-cli"
import { emptyProgramBuffers } from "./empty-heap"
import { HUB_PORT, JacdacHub } from "../sim/vm/jacdac-hub"
import { CaServer } from "../sim/ca/ca-server"
import { nodeKeyPlatform, nodeRandomBytes } from "../sim/node-platform"
import { derIsoTime } from "../src/asn1/der"
import { cmsSignedData } from "../src/certificate/cms-signed-data"
import { generateSigningKey } from "../src/certificate/signing-key"
import { parseHistory } from "../src/certificate/transaction-history"
import { ed25519Sign } from "../src/crypto/ed25519"
import { buildChallenge } from "../src/vending/challenge"
import { verifyCrl } from "../src/vending/crl-status"
import { verifySale, type CachedCrl } from "../src/vending/offline-verifier"
import { bytecodeVendingCrypto, type VendingCrypto } from "../src/vending/vending-crypto"
import { withRandom } from "../test/shared/signing-key-cases"
import { enrolCard, fetchOcsp, makeVendingFixtures, nodeVendingCrypto, OFFER, type VendingCase } from "../test/support/vending-fixtures"
import { functionBytesBySource } from "./bytecode-size"
import { buildFirmware } from "../sim/simulator/firmware"
import { Simulator } from "../sim/simulator/simulator"
import { enrolCard as enrolOnCard } from "../sim/simulator/certificate-flows"
import { buyAtMachine } from "../sim/simulator/vending-flows"
import { median } from "./median"

const BUFFER = 256
/** How long one heap-search run may take before it counts as not completing. */
const HEAP_RUN_MS = 120_000
const PASSWORD = "48151623"
const GENERATED = join(ROOT, "bench/programs/generated")
/** Purchases timed in the simulator. */
const SIM_PURCHASES = 3

/** What the VM programs import (bench/programs/generated/vending-bench-vectors.ts). */
interface BenchVectors {
    caName: string
    caPublicKey: string
    maxStatusAgeSeconds: number
    saleChallenge: string
    ocspCase: { cms: string; now: number; serial: string }
    crlCase: { cms: string; now: number; serial: string; crl: CachedCrl }
    crl: string
    /** A card of the same CA: its challenge, certificate, stapled response, sealed key, and the CMS Node makes. */
    card: { challenge: string; certificate: string; ocsp: string; record: string; secret: string; password: string; expectedCms: string }
}

/** The image header (devs_format.h): 32 fixed bytes, then (start, length) word pairs: the function table, then the function bodies. */
function imageLayout(program: BuiltProgram): { codeEnd: number; functions: number } {
    const img = readFileSync(program.devsFile)
    return { codeEnd: img.readUInt32LE(40) + img.readUInt32LE(44), functions: img.readUInt32LE(36) / 16 }
}

function caseNamed(cases: VendingCase[], name: string): VendingCase {
    const c = cases.find((x) => x.name === name)
    if (!c || c.code !== 0) throw new Error("no accepted fixture case " + name)
    return c
}

/** The fixtures from two real CAs (the machine's and another), and a card of the machine's CA for the card side. */
async function vectors(): Promise<BenchVectors> {
    const dir = mkdtempSync(join(tmpdir(), "activecard-vending-bench-"))
    const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
    const other = await CaServer.start({ dataDir: join(dir, "other"), port: 0, log: () => {} })
    try {
        const f = await makeVendingFixtures(ca, other)
        const ocspCase = caseNamed(f.cases, "accepted: fresh stapled OCSP, no CRL")
        const crlCase = caseNamed(f.cases, "not revoked: the new CRL, another card")
        if (ocspCase.challenge !== crlCase.challenge || crlCase.crl === null) throw new Error("fixture cases changed shape")

        const carol = await enrolCard(ca, "Carol Holder", "+821077778888")
        const ocsp = await fetchOcsp(ca, carol.certificate)
        const challenge = buildChallenge(OFFER, Math.floor(Date.now() / 1000), nodeRandomBytes(12))
        const secret = nodeRandomBytes(32)
        let first = true // the key generation's first 32 random bytes are the seed (a copy: sealing wipes it): the enrolled card's
        const record = await generateSigningKey(PASSWORD, secret, withRandom(nodeKeyPlatform, (n) => (first && n === 32 ? ((first = false), Buffer.from(carol.seed)) : nodeRandomBytes(n))))
        const expected = await cmsSignedData(challenge, carol.certificate, derIsoTime(parseHistory(challenge).at), (m) => ed25519Sign(carol.seed, m), async () => {}, ocsp)
        return {
            caName: f.caName,
            caPublicKey: f.caPublicKey,
            maxStatusAgeSeconds: ocspCase.maxStatusAgeSeconds,
            saleChallenge: ocspCase.challenge,
            ocspCase: { cms: ocspCase.cms, now: ocspCase.now, serial: ocspCase.holder.split("|")[0] },
            crlCase: { cms: crlCase.cms, now: crlCase.now, serial: crlCase.holder.split("|")[0], crl: crlCase.crl },
            crl: f.crl,
            card: {
                challenge: challenge.toString("hex"),
                certificate: carol.certificate.toString("hex"),
                ocsp: ocsp.toString("hex"),
                record: record.toString("hex"),
                secret: secret.toString("hex"),
                password: PASSWORD,
                expectedCms: expected.toString("hex"),
            },
        }
    } finally {
        await ca.stop()
        await other.stop()
        rmSync(dir, { recursive: true, force: true })
    }
}

async function vmTimes(): Promise<Record<string, number>> {
    const program = await buildProgram("bench/programs/vending-bench.ts", "bench-vending")
    const hub = new JacdacHub() // `devs run` outside test mode needs a bus, even an empty one
    await hub.start(HUB_PORT, 600_000)
    try {
        const run = await runOnBus(program, "BENCH DONE", 600_000)
        if (!run.lines.includes("BENCH DONE") || run.lines.some((l) => l.startsWith("BENCH FAIL"))) throw new Error("VM benchmark failed:\n" + run.output.slice(-3000))
        return Object.fromEntries(
            run.lines.filter((l) => l.startsWith("BENCH ") && l !== "BENCH DONE").map((l) => {
                const [, name, ms] = l.split(" ")
                return [name, Number(ms)]
            }),
        )
    } finally {
        await hub.stop()
    }
}

/** Median milliseconds per call in Node over `n` calls, five rounds. */
async function nodeMs(n: number, fn: () => Promise<unknown>): Promise<number> {
    for (let i = 0; i < Math.min(n, 5); i++) await fn()
    const rounds: number[] = []
    for (let r = 0; r < 5; r++) {
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < n; i++) await fn()
        rounds.push(Number(process.hrtime.bigint() - t0) / 1e6 / n)
    }
    return median(rounds)
}

/** verifySale on both paths and verifyCrl in Node under `crypto`, each answer checked. */
async function nodeTimes(v: BenchVectors, crypto: VendingCrypto, n: number): Promise<Record<string, number>> {
    const trust = { caName: Buffer.from(v.caName, "hex"), caPublicKey: Buffer.from(v.caPublicKey, "hex") }
    const policy = { maxStatusAgeSeconds: v.maxStatusAgeSeconds }
    const challenge = Buffer.from(v.saleChallenge, "hex")
    const ocspCms = Buffer.from(v.ocspCase.cms, "hex")
    const crlCms = Buffer.from(v.crlCase.cms, "hex")
    const crl = Buffer.from(v.crl, "hex")
    const check = (ok: boolean, what: string) => {
        if (!ok) throw new Error("Node answered wrongly: " + what)
    }
    return {
        verify_sale_ocsp: await nodeMs(n, async () => check((await verifySale(ocspCms, challenge, trust, v.ocspCase.now, null, policy, crypto)).serial === v.ocspCase.serial, "ocsp")),
        verify_sale_crl: await nodeMs(n, async () => check((await verifySale(crlCms, challenge, trust, v.crlCase.now, v.crlCase.crl, policy, crypto)).serial === v.crlCase.serial, "crl")),
        verify_crl: await nodeMs(n, async () => check((await verifyCrl(crl, trust, crypto)).serials.join() === v.crlCase.crl.serials.join(), "verifyCrl")),
    }
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3)) + " ms"

async function timings(v: BenchVectors): Promise<void> {
    const vm = await vmTimes()
    const node = await nodeTimes(v, nodeVendingCrypto, 200)
    const core = await nodeTimes(v, bytecodeVendingCrypto(async () => {}), 20)
    console.log("card-side time in the VM (median of 5, no GC stress):")
    console.log(`  parse the machine's challenge (parseHistory, ${v.card.challenge.length / 2} bytes)   ${vm.parse_history_us} us`)
    console.log(`  parse, unseal the key, CMS SignedData with the stapled OCSP response (${v.card.ocsp.length / 2} B), Ed25519: ${vm.card_sign} ms (CMS ${v.card.expectedCms.length / 2} B, byte-identical to Node's)`)
    console.log("\nmachine-side time (median of 5 in the VM, no GC stress; Node: median of 5 rounds, same run):")
    console.log("operation".padEnd(46) + "VM".padStart(9) + "Node crypto".padStart(13) + "VM/Node".padStart(9) + "core in Node".padStart(14) + "VM/core".padStart(9))
    const rows: [string, string][] = [
        ["verifySale, stapled OCSP (3 Ed25519 verify)", "verify_sale_ocsp"],
        ["verifySale, cached CRL (2 Ed25519 verify)", "verify_sale_crl"],
        ["verifyCrl (when online; 1 Ed25519 verify)", "verify_crl"],
    ]
    for (const [name, key] of rows) {
        console.log(name.padEnd(46) + fmt(vm[key]).padStart(9) + fmt(node[key]).padStart(13) + ((vm[key] / node[key]).toFixed(0) + "x").padStart(9) + fmt(core[key]).padStart(14) + ((vm[key] / core[key]).toFixed(0) + "x").padStart(9))
    }
    console.log(`one exchange in the VM, both sides (card sign + verifySale with OCSP): ${vm.card_sign + vm.verify_sale_ocsp} ms (infrared transfer and the holder's typing not in it)`)
}

async function completesWith(ballast: number): Promise<boolean> {
    writeFileSync(join(GENERATED, "vending-heap-ballast.ts"), `// Generated by bench/vending-bench.ts for one run; not committed.\nexport const BALLAST = ${ballast}\n`)
    const program = await buildProgram("bench/programs/vending-heap.ts", "bench-vending-heap")
    const run = await runTestMode(program, HEAP_RUN_MS)
    return run.lines.some((l) => l.startsWith("VENDHEAP OK"))
}

async function sizes(): Promise<void> {
    const vending = await buildProgram("devices/vending/main.ts", "bench-vending-image")
    const { codeEnd, functions } = imageLayout(vending)
    const own = functionBytesBySource(vending, ["src/vending/"])
    console.log("\nvending image (devices/vending/main.ts, devs build, DeviceScript 2.16):")
    console.log(`  image ${vending.imageBytes} B (limit ${IMAGE_LIMIT_SIMULATOR} in the simulator: ${IMAGE_LIMIT_SIMULATOR - vending.imageBytes} B left; ${IMAGE_LIMIT_BOARD} on a board: ${IMAGE_LIMIT_BOARD - vending.imageBytes} B left)`)
    console.log(`  code section ends at ${codeEnd} B (limit < ${CODE_SECTION_LIMIT}: ${codeEnd < CODE_SECTION_LIMIT ? "met, " + (CODE_SECTION_LIMIT - codeEnd) + " B left" : "NOT met, " + (codeEnd - CODE_SECTION_LIMIT) + " B over"}); ${functions} functions (limit < 50,000); src/vending/ bytecode ${own} B`)

    const base = await emptyProgramBuffers()
    let lo = 0
    let hi = base
    if (!(await completesWith(lo))) throw new Error("the verification does not complete even without ballast")
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (await completesWith(mid)) lo = mid
        else hi = mid
    }
    console.log(`\npeak heap of the machine's verification (verifySale with OCSP, with a CRL, verifyCrl; test mode, GC stress on; ${BUFFER}-byte ballast, resolution one buffer, ${HEAP_RUN_MS / 1000} s per run):`)
    console.log(`  free heap of an empty program ~${base * BUFFER} B; the verification completes with ${lo} buffers held: peak ~${(base - lo) * BUFFER} B (the VM heap is 64 KB)`)
}

/** Confirm-to-dispense in the simulator: one card enrolled on its keypad, then SIM_PURCHASES purchases at the machine. */
async function simulatorTimes(): Promise<void> {
    const firmware = await buildFirmware({ vending: true })
    const sim = await Simulator.start({ firmware, link: "infrared", certificates: true, vending: true, waitForBusMs: 600_000 })
    try {
        const certs = sim.certificates!
        const letter = certs.readMailer(certs.registerHolder())
        const enrolled = await enrolOnCard(sim, { reference: letter.reference, secret: letter.secret, password: PASSWORD })
        if (!/^ENROLLED\n/.test(enrolled)) throw new Error("the card did not enrol: " + enrolled.split("\n").join(" | "))
        // The card staples the CA's OCSP response it fetches after enrolment.
        const stapled = () => (sim.cardVm?.lines() ?? []).some((l) => l.includes("CERT OCSP response stored"))
        for (let waited = 0; !stapled(); waited += 250) {
            if (waited > 60_000) throw new Error("the card fetched no OCSP response")
            await new Promise((r) => setTimeout(r, 250))
        }
        const times: number[] = []
        for (let i = 0; i < SIM_PURCHASES; i++) {
            const p = await buyAtMachine(sim, { slot: 1 + (i % 3), password: PASSWORD })
            if (p.dispensed !== 1 || p.confirmToDispenseMs === null) throw new Error("a purchase did not dispense: " + p.machine.split("\n").join(" | "))
            times.push(p.confirmToDispenseMs)
        }
        console.log(`\nin the simulator (three VMs, chips emulated, IrDA at the emulated line's rate), ${SIM_PURCHASES} purchases by one card:`)
        console.log(`  confirm on the card (last password digit shown) to the relay: median ${median(times)} ms (each: ${times.join(", ")} ms)`)
    } finally {
        await sim.stop()
    }
}

const partArg = process.argv.indexOf("--part")
const part = partArg > 0 ? process.argv[partArg + 1] : "all"
if (!["all", "time", "size", "sim"].includes(part)) {
    console.error("--part must be time, size or sim")
    process.exit(2)
}

async function main(): Promise<void> {
    console.log("\n== one offline vending exchange ==")
    const v = await vectors()
    mkdirSync(GENERATED, { recursive: true })
    writeFileSync(join(GENERATED, "vending-bench-vectors.ts"), "// Generated by bench/vending-bench.ts for one run; not committed.\nexport const VENDING_BENCH = " + JSON.stringify(v, null, 1) + "\n")
    if (part === "all" || part === "time") await timings(v)
    if (part === "all" || part === "size") await sizes()
    if (part === "all" || part === "sim") await simulatorTimes()
}

await main()
