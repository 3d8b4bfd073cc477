// `npm run bench`: the crypto core measured inside the DeviceScript VM (the firmware's bytecode),
// beside the same operations in Node with @noble, in one run; plus the heap the AES tables take
// and the bytecode size of the crypto core. Figures, not pass/fail: ratios are what to compare.

import { gcm, unsafe as nobleAes } from "@noble/ciphers/aes.js"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha1 } from "@noble/hashes/legacy.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { buildProgram, runOnBus, runTestMode } from "../sim/vm/devs-cli"
import { functionBytesBySource } from "./bytecode-size"
import { JacdacHub } from "../sim/vm/jacdac-hub"
import { nodeHmacSha256 } from "../sim/node-platform"
import { milenage as coreMilenage, milenageKey } from "../src/crypto/milenage"
import { eapAkaKeys } from "../src/crypto/eap-aka-keys"
import { hmacSha1Key, hmacSha1WithKey } from "../src/crypto/hmac-sha1"
import { deriveCkIkPrime, eapAkaPrimeKeys } from "../src/crypto/eap-aka-prime-keys"
import { fromHex } from "../src/bytes"
import { cardSideEapAka, cardSideEapAkaPrime, officialInputs, serverChallenge } from "./programs/card-side"

/** Microseconds per call in Node (best of 5 runs of `n` calls). */
function nodeUs(n: number, fn: () => void): number {
    for (let i = 0; i < Math.min(n, 200); i++) fn()
    let best = Infinity
    for (let r = 0; r < 5; r++) {
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < n; i++) fn()
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / n)
    }
    return best
}

async function nodeUsAsync(n: number, fn: () => Promise<unknown>): Promise<number> {
    for (let i = 0; i < 50; i++) await fn()
    let best = Infinity
    for (let r = 0; r < 5; r++) {
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < n; i++) await fn()
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / n)
    }
    return best
}

/** Milenage written over @noble/ciphers' AES-128 block (TS 35.206), key schedule cached like ours. */
function nobleMilenage(xk: Uint32Array, opc: Uint8Array, rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): Uint8Array[] {
    const e = { encrypt: (b: Uint8Array) => nobleAes.encryptBlock(xk, b) }
    const x = (a: Uint8Array, b: Uint8Array) => a.map((v, i) => v ^ b[i])
    const rot = (a: Uint8Array, r: number) => Uint8Array.from(a, (_, i) => a[(i + r) % 16])
    const temp = e.encrypt(x(rand, opc))
    const in1 = new Uint8Array([...sqn, ...amf, ...sqn, ...amf])
    const out = [x(e.encrypt(x(temp, rot(x(in1, opc), 8))), opc)]
    for (const [r, c] of [[0, 1], [4, 2], [8, 4], [12, 8]]) {
        const t = rot(x(temp, opc), r)
        t[15] ^= c
        out.push(x(e.encrypt(t), opc))
    }
    return out
}

async function heapBuffers(entry: string): Promise<number> {
    const program = await buildProgram(entry, "bench-" + entry.split("/").pop()!.replace(".ts", ""))
    const run = await runTestMode(program, 120_000)
    const counts = run.lines.filter((l) => l.startsWith("HEAP ")).map((l) => Number(l.slice(5)))
    if (!/OutOfMemory/.test(run.output)) throw new Error(`heap probe ${entry} did not run out of memory:\n${run.output.slice(-2000)}`)
    return counts[counts.length - 1]
}

const fmt = (us: number) => (us >= 1000 ? (us / 1000).toFixed(2) + " ms" : us.toFixed(1) + " us")

async function main(): Promise<void> {
    console.log("activecard crypto benchmark (DeviceScript VM vs Node + @noble, same machine, same run)\n")
    const program = await buildProgram("bench/programs/crypto-bench.ts", "crypto-bench")
    const hub = new JacdacHub()
    await hub.start()
    let vm: Record<string, number>
    try {
        const run = await runOnBus(program, "BENCH DONE", 300_000)
        if (run.code !== 0) throw new Error("VM benchmark failed:\n" + run.output.slice(-3000))
        vm = Object.fromEntries(
            run.lines.filter((l) => l.startsWith("BENCH ") && l !== "BENCH DONE").map((l) => {
                const [, name, us] = l.split(" ")
                return [name, Number(us)]
            }),
        )
    } finally {
        await hub.stop()
    }

    const k = fromHex("5122250214c33e723a5dd523fc145fc0")
    const opc = fromHex("981d464c7c52eb6e5036234984ad0bcf")
    const rand = fromHex("81e92b6c0ee0e12ebceba8d92a99dfa5")
    const sqn = fromHex("16f3b3f70fc2")
    const amf = fromHex("c3ab")
    const xk = nobleAes.expandKeyLE(k)
    const block = new Uint8Array(16)
    const msg100 = new Uint8Array(100)
    const key20 = new Uint8Array(20)
    const mk = milenageKey(k, opc)
    const inp = officialInputs(mk)
    const m = coreMilenage(mk, rand, sqn, amf)
    const kAut = hmacSha1Key(eapAkaKeys(inp.identity, m.ik, m.ck).kAut)
    const reqAka = serverChallenge(inp, false, (p) => hmacSha1WithKey(kAut, [p]))
    const pp = deriveCkIkPrime(nodeHmacSha256, m.ck, m.ik, inp.networkName, fromHex("bb52e91c747a"))
    const primeKeys = eapAkaPrimeKeys(nodeHmacSha256, inp.identity, pp.ckPrime, pp.ikPrime)
    const reqPrime = serverChallenge(inp, true, (p) => nodeHmacSha256(primeKeys.kAut, [p]))
    const noYield = async () => {}
    const record128 = new Uint8Array(128)
    const header5 = new Uint8Array(5)
    const nonce12 = new Uint8Array(12)
    const key32 = new Uint8Array(32)

    const rows: [string, number, number, string][] = [
        ["AES-128 block (core, words)", vm.aes128_block_words, nodeUs(50000, () => nobleAes.encryptBlock(xk, block)), "@noble/ciphers block"],
        ["AES-128 block (core, bytes API)", vm.aes128_block_bytes, nodeUs(50000, () => nobleAes.encryptBlock(xk, block)), "@noble/ciphers block"],
        ["AES-128 key expansion", vm.aes128_key_expansion, nodeUs(50000, () => nobleAes.expandKeyLE(k)), "@noble/ciphers expandKeyLE"],
        ["Milenage, all of f1..f5*", vm.milenage_full, nodeUs(10000, () => nobleMilenage(xk, opc, rand, sqn, amf)), "Milenage over @noble AES block"],
        ["HMAC-SHA1, 100-byte message", vm.hmac_sha1_100B, nodeUs(20000, () => hmac(sha1, key20, msg100)), "@noble/hashes"],
        ["HMAC-SHA-256, 100-byte message (native in VM)", vm.hmac_sha256_100B, nodeUs(20000, () => hmac(sha256, key20, msg100)), "@noble/hashes"],
        ["ChaCha20-Poly1305 seal, 128-byte record", vm.chacha20poly1305_seal_128, nodeUs(5000, () => chacha20poly1305(key32, nonce12, header5).encrypt(record128)), "@noble/ciphers"],
        ["AES-128-GCM seal, 128-byte record", vm.aes128gcm_seal_128, nodeUs(5000, () => gcm(k, nonce12, header5).encrypt(record128)), "@noble/ciphers"],
        ["card side, full EAP-AKA", vm.card_eap_aka_full, await nodeUsAsync(2000, () => cardSideEapAka(inp, reqAka, noYield)), "same core in Node"],
        ["card side, full EAP-AKA'", vm.card_eap_aka_prime_full, await nodeUsAsync(2000, () => cardSideEapAkaPrime(inp, reqPrime, nodeHmacSha256, noYield)), "same core, Node-side JS HMAC-SHA-256"],
    ]
    console.log("operation".padEnd(48) + "VM".padStart(11) + "Node".padStart(11) + "  VM/Node  (Node side)")
    for (const [name, v, n, what] of rows) {
        console.log(name.padEnd(48) + fmt(v).padStart(11) + fmt(n).padStart(11) + (v / n).toFixed(0).padStart(8) + "x  (" + what + ")")
    }
    console.log("\nlayout choices for the AES block inside the VM (same run):")
    console.log(`  plain T-table (4 tables, looped, bytes in/out):   ${fmt(vm.aes128_plain_ttable_block)}`)
    console.log(`  core (4 tables, looped rounds, words):         ${fmt(vm.aes128_block_words)}  = ${(vm.aes128_plain_ttable_block / vm.aes128_block_words).toFixed(2)}x faster than plain`)
    console.log(`  compact (1 table + rotations, words):           ${fmt(vm.aes128_compact_1table_block)}  = ${(vm.aes128_plain_ttable_block / vm.aes128_compact_1table_block).toFixed(2)}x vs plain`)
    console.log(`  SHA-1 compression (80 rounds, four loops):       ${fmt(vm.sha1_compression)}`)
    console.log(`  one VM yield (ds.sleep(0)), subtracted above:    ${fmt(vm.yield)}`)

    const sixPlain = 6 * vm.aes128_plain_ttable_block
    console.log("\ntargets:")
    console.log(`  card-side EAP-AKA'  < 3 ms:   ${fmt(vm.card_eap_aka_prime_full)}  ${vm.card_eap_aka_prime_full < 3000 ? "met" : "NOT met"}`)
    console.log(`  card-side EAP-AKA   < 10 ms:  ${fmt(vm.card_eap_aka_full)}  ${vm.card_eap_aka_full < 10000 ? "met" : "NOT met"}`)
    console.log(`  Milenage <= 6 plain T-table blocks (${fmt(sixPlain)}):  ${fmt(vm.milenage_full)} = ${(vm.milenage_full / vm.aes128_plain_ttable_block).toFixed(2)} plain blocks  ${vm.milenage_full <= sixPlain ? "met" : "NOT met"}`)

    const perBuffer = 256
    const base = await heapBuffers("bench/programs/heap-baseline.ts")
    const enc = await heapBuffers("bench/programs/heap-aes-encrypt.ts")
    const dec = await heapBuffers("bench/programs/heap-aes-decrypt.ts")
    const ref4 = await heapBuffers("bench/programs/heap-reference-4.ts")
    const ref1 = await heapBuffers("bench/programs/heap-reference-1.ts")
    console.log(`\nGC heap held (VM heap filled with ${perBuffer}-byte buffers until OutOfMemory; resolution one buffer):`)
    console.log(`  free heap at start (baseline program):            ~${base * perBuffer} bytes (${base} buffers)`)
    console.log(`  encryption tables + one key schedule:             ~${(base - enc) * perBuffer} bytes`)
    console.log(`  + decryption (inverse S-box, schedule; no table):  ~${(enc - dec) * perBuffer} bytes more`)
    console.log(`  plain layout: 4 T-tables + number-array S-box:    ~${(base - ref4) * perBuffer} bytes`)
    console.log(`  compact layout: 1 T-table + number-array S-box:   ~${(base - ref1) * perBuffer} bytes`)

    console.log("\nthe TLS 1.3 record AEAD for the card (same run, VM):")
    const chachaBytes = functionBytesBySource(program, ["src/crypto/chacha20-poly1305.ts"])
    const gcmBytes = functionBytesBySource(program, ["src/crypto/aes128-gcm.ts"])
    console.log(`  ChaCha20-Poly1305: ${fmt(vm.chacha20poly1305_seal_128)} per 128-byte record, ${chachaBytes} bytes of bytecode`)
    console.log(`  AES-128-GCM:       ${fmt(vm.aes128gcm_seal_128)} per 128-byte record (${(vm.aes128gcm_seal_128 / vm.chacha20poly1305_seal_128).toFixed(2)}x ChaCha20-Poly1305), ${gcmBytes} bytes of bytecode over the AES-128 core the card has, key setup (H and its 16 multiples) ${fmt(vm.aes128gcm_key_setup)}`)

    const crypto = functionBytesBySource(program, ["src/crypto/", "src/bytes.ts"])
    console.log(`\nbytecode: crypto core (src/crypto + src/bytes) ${crypto} bytes of functions; whole benchmark image ${program.imageBytes} bytes`)
}

await main()
