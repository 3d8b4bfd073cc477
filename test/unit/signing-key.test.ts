// The sealed signing key and the certificate store in Node: the shared cases (the same run in the
// VM, test/vm/signing-key.test.ts), then checks against computations independent of the code:
// HKDF by hand over node:crypto HMAC, AES-256-CCM by node:crypto directly, the public key by
// @noble/curves.

import { describe, expect, test } from "vitest"
import { createDecipheriv, createHmac } from "node:crypto"
import { ed25519 } from "@noble/curves/ed25519.js"
import { nodeKeyPlatform } from "../../sim/node-platform"
import { countingRandom } from "../shared/counting-random"
import { EXPECTED_RECORD, EXPECTED_SEED, PASSWORD, fixedSecret, signingKeyCases, withRandom } from "../shared/signing-key-cases"
import { generateSigningKey, KEY_WRONG, SEALED_RECORD_BYTES, unsealCounted } from "../../src/certificate/signing-key"

describe("sealed signing key in Node", () => {
    for (const c of signingKeyCases()) {
        test(c.name, async () => {
            await c.run(nodeKeyPlatform)
        })
    }
})

describe("the sealed record against independent computations", () => {
    const record = Buffer.from(EXPECTED_RECORD, "hex")

    test("HKDF by hand and node:crypto AES-256-CCM open the record to the seed", () => {
        expect(record.length).toBe(SEALED_RECORD_BYTES)
        const salt = record.subarray(1, 17)
        const nonce = record.subarray(17, 30)
        const ikm = Buffer.concat([fixedSecret(), Buffer.from(PASSWORD)])
        const info = Buffer.concat([Buffer.from("activecard signing key v1"), record.subarray(0, 62)])
        const prk = createHmac("sha256", salt).update(ikm).digest()
        const key = createHmac("sha256", prk).update(info).update(Buffer.from([1])).digest()
        const d = createDecipheriv("aes-256-ccm", key, nonce, { authTagLength: 16 })
        d.setAuthTag(record.subarray(94))
        const seed = Buffer.concat([d.update(record.subarray(62, 94)), d.final()])
        expect(seed.toString("hex")).toBe(EXPECTED_SEED)
        expect(Buffer.from(ed25519.getPublicKey(seed)).toString("hex")).toBe(record.subarray(30, 62).toString("hex"))
    })

    test("a fresh key from the real random source seals a seed whose public key is in the record", async () => {
        let seed = Buffer.alloc(0)
        const r = await generateSigningKey("0123456789", fixedSecret(), nodeKeyPlatform)
        const out = await unsealCounted(r, "0123456789", fixedSecret(), 5, async () => {}, nodeKeyPlatform, async (s) => {
            seed = Buffer.from(s)
            return Buffer.alloc(0)
        })
        expect(Buffer.from(ed25519.getPublicKey(seed)).equals(r.subarray(30, 62))).toBe(true)
        expect(out.triesLeft).toBe(5)
    })

    test("two seals of one seed under one password share neither salt, key stream nor tag", async () => {
        const a = await generateSigningKey(PASSWORD, fixedSecret(), withRandom(nodeKeyPlatform, countingRandom(0x10)))
        const seedOnly = countingRandom(0x10)
        const other = countingRandom(0x70)
        let calls = 0
        const b = await generateSigningKey(PASSWORD, fixedSecret(), withRandom(nodeKeyPlatform, (n) => (calls++ === 0 ? seedOnly(n) : other(n))))
        expect(a.subarray(30, 62).equals(b.subarray(30, 62))).toBe(true)
        expect(a.subarray(62).equals(b.subarray(62))).toBe(false)
    })

    test("errors name neither the password nor the seed", async () => {
        const err = await generateSigningKey("98765", fixedSecret(), nodeKeyPlatform).catch((e: Error) => e)
        expect(err).toBeInstanceOf(RangeError)
        expect(String(err)).not.toContain("98765")
        const r = await unsealCounted(Buffer.from(EXPECTED_RECORD, "hex"), "999999", fixedSecret(), 5, async () => {}, nodeKeyPlatform, async () => Buffer.alloc(0))
        expect(r.status).toBe(KEY_WRONG)
        expect(JSON.stringify(r)).not.toContain(EXPECTED_SEED)
    })
})
