// Crypto benchmark inside the DeviceScript VM. Prints "BENCH <name> <microseconds per op>" lines,
// then "BENCH DONE". Work is cut into VM slices (the 128K-step limit); the cost of one yield is
// measured first and subtracted.

import * as ds from "@devicescript/core"
import { aes128EncryptBlock, aes128EncryptWords, aes128ExpandKey } from "../../src/crypto/aes128"
import { milenage, milenageKey } from "../../src/crypto/milenage"
import { hmacSha1 } from "../../src/crypto/hmac-sha1"
import { sha1Compress, sha1InitialState } from "../../src/crypto/sha1"
import { eapAkaKeys } from "../../src/crypto/eap-aka-keys"
import { hmacSha1Key, hmacSha1WithKey } from "../../src/crypto/hmac-sha1"
import { deriveCkIkPrime, eapAkaPrimeKeys } from "../../src/crypto/eap-aka-prime-keys"
import { fromHex } from "../../src/bytes"
import { deviceHmacSha256, yieldSlice } from "../../devices/common/platform"
import { chacha20Poly1305Seal } from "../../src/crypto/chacha20-poly1305"
import { aes128GcmKey, aes128GcmSeal } from "../../src/crypto/aes128-gcm"
import { compactEncryptWords, plainEncrypt, plainSetup } from "./reference-aes"
import { cardSideEapAka, cardSideEapAkaPrime, officialInputs, serverChallenge } from "./card-side"

let yieldUs = 0

/** Microseconds per call of fn, over `slices` VM slices of `perSlice` calls each (best of 3 runs). */
async function measure(perSlice: number, slices: number, fn: () => void): Promise<number> {
    fn()
    let best = 1e9
    for (let run = 0; run < 3; run++) {
        await ds.sleep(0)
        const t0 = ds.millis()
        for (let s = 0; s < slices; s++) {
            for (let i = 0; i < perSlice; i++) fn()
            await ds.sleep(0)
        }
        const us = ((ds.millis() - t0) * 1000 - slices * yieldUs) / (perSlice * slices)
        if (us < best) best = us
    }
    return best
}

async function measureAsync(count: number, yieldsPerCall: number, fn: () => Promise<void>): Promise<number> {
    await fn()
    let best = 1e9
    for (let run = 0; run < 3; run++) {
        await ds.sleep(0)
        const t0 = ds.millis()
        for (let i = 0; i < count; i++) {
            await fn()
            await ds.sleep(0)
        }
        const us = ((ds.millis() - t0) * 1000 - count * (1 + yieldsPerCall) * yieldUs) / count
        if (us < best) best = us
    }
    return best
}

function report(name: string, us: number): void {
    console.log("BENCH " + name + " " + Math.round(us * 10) / 10)
}

async function main(): Promise<void> {
    // Cost of one yield: empty slices.
    const n = 2000
    let t0 = ds.millis()
    for (let i = 0; i < n; i++) await ds.sleep(0)
    yieldUs = ((ds.millis() - t0) * 1000) / n
    report("yield", yieldUs)

    const k = fromHex("5122250214c33e723a5dd523fc145fc0")
    const opcBytes = fromHex("981d464c7c52eb6e5036234984ad0bcf")
    const rand = fromHex("81e92b6c0ee0e12ebceba8d92a99dfa5")
    const sqn = fromHex("16f3b3f70fc2")
    const amf = fromHex("c3ab")
    const key = aes128ExpandKey(k)
    const block = Buffer.alloc(16)
    const words: number[] = [0, 0, 0, 0]
    await ds.sleep(0)
    const plainKey = plainSetup()

    report("aes128_block_words", await measure(60, 20, () => aes128EncryptWords(key, 1, 2, 3, 4, words)))
    report("aes128_block_bytes", await measure(50, 20, () => aes128EncryptBlock(key, block, 0, block, 0)))
    report("aes128_plain_ttable_block", await measure(40, 20, () => plainEncrypt(plainKey, block, block)))
    report("aes128_compact_1table_block", await measure(40, 20, () => compactEncryptWords(key, 1, 2, 3, 4, words)))
    report("aes128_key_expansion", await measure(30, 20, () => aes128ExpandKey(k)))
    const mk = milenageKey(k, opcBytes)
    report("milenage_full", await measure(8, 20, () => milenage(mk, rand, sqn, amf)))
    const msg100 = Buffer.alloc(100)
    const key20 = Buffer.alloc(20)
    report("hmac_sha1_100B", await measure(2, 40, () => hmacSha1(key20, msg100)))
    report("hmac_sha256_100B", await measure(40, 20, () => deviceHmacSha256(key20, [msg100])))
    const h = sha1InitialState()
    const blk = Buffer.alloc(64)
    report("sha1_compression", await measure(12, 20, () => sha1Compress(h, blk, 0)))

    // A TLS 1.3 record of 128 bytes with its 5-byte header as AAD, sealed by each candidate AEAD
    // (256 bytes in one go pass the VM's 128K-step slice: a record layer yields per part).
    const record = Buffer.alloc(128)
    const header = Buffer.alloc(5)
    const nonce = Buffer.alloc(12)
    const chachaKey = Buffer.alloc(32)
    const gcmKey = aes128GcmKey(k)
    report("chacha20poly1305_seal_128", await measure(1, 20, () => chacha20Poly1305Seal(chachaKey, nonce, record, header)))
    report("aes128gcm_seal_128", await measureAsync(20, 0, async () => {
        await aes128GcmSeal(gcmKey, nonce, record, header)
    }))
    report("aes128gcm_key_setup", await measure(10, 20, () => aes128GcmKey(k)))

    // Card side of full authentications: server challenge prepared outside the timing.
    const inp = officialInputs(mk)
    const m = milenage(mk, rand, sqn, amf)
    await ds.sleep(0)
    const akaKeys = eapAkaKeys(inp.identity, m.ik, m.ck)
    await ds.sleep(0)
    const kAut = hmacSha1Key(akaKeys.kAut)
    const reqAka = serverChallenge(inp, false, (p) => hmacSha1WithKey(kAut, [p]))
    await ds.sleep(0)
    const pp = deriveCkIkPrime(deviceHmacSha256, m.ck, m.ik, inp.networkName, fromHex("bb52e91c747a"))
    const primeKeys = eapAkaPrimeKeys(deviceHmacSha256, inp.identity, pp.ckPrime, pp.ikPrime)
    const reqPrime = serverChallenge(inp, true, (p) => deviceHmacSha256(primeKeys.kAut, [p]))
    report("card_eap_aka_full", await measureAsync(10, 3, async () => {
        await cardSideEapAka(inp, reqAka, yieldSlice)
    }))
    report("card_eap_aka_prime_full", await measureAsync(20, 1, async () => {
        await cardSideEapAkaPrime(inp, reqPrime, deviceHmacSha256, yieldSlice)
    }))
    console.log("BENCH DONE")
}

await main()
