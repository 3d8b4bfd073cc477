// ChaCha20-Poly1305 and AES-128-GCM in bytecode-ready TypeScript (src/crypto/): the cases shared
// with the VM, then 500 random keys, nonces, messages and AADs of every length around the block
// sizes, each sealed the same as by node:crypto (OpenSSL) and by @noble/ciphers, and opened.

import { describe, expect, test } from "vitest"
import { createCipheriv, randomBytes, randomInt } from "node:crypto"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { gcm } from "@noble/ciphers/aes.js"
import { aeadCases } from "../shared/aead-cases"
import { nodeHmacSha256 } from "../../sim/node-platform"
import { chacha20Poly1305Open, chacha20Poly1305Seal } from "../../src/crypto/chacha20-poly1305"
import { aes128GcmKey, aes128GcmOpen, aes128GcmSeal } from "../../src/crypto/aes128-gcm"

function openssl(cipher: "chacha20-poly1305" | "aes-128-gcm", key: Buffer, nonce: Buffer, pt: Buffer, aad: Buffer): Buffer {
    const c = createCipheriv(cipher as "aes-128-gcm", key, nonce, { authTagLength: 16 })
    c.setAAD(aad, { plaintextLength: pt.length })
    return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()])
}

describe("AEAD cases shared with the VM", () => {
    for (const c of aeadCases()) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})

describe("AEADs against node:crypto and @noble/ciphers", () => {
    const lengths = () => (randomInt(0, 3) === 0 ? randomInt(0, 40) : randomInt(0, 600))

    test("ChaCha20-Poly1305: 500 random cases sealed alike by all three, and opened", () => {
        for (let i = 0; i < 500; i++) {
            const key = randomBytes(32)
            const nonce = randomBytes(12)
            const pt = randomBytes(lengths())
            const aad = randomBytes(randomInt(0, 40))
            const ours = chacha20Poly1305Seal(key, nonce, pt, aad)
            expect(ours.toString("hex")).toBe(openssl("chacha20-poly1305", key, nonce, pt, aad).toString("hex"))
            expect(ours.toString("hex")).toBe(Buffer.from(chacha20poly1305(key, nonce, aad).encrypt(pt)).toString("hex"))
            expect(chacha20Poly1305Open(key, nonce, ours, aad)!.equals(pt)).toBe(true)
        }
    })

    test("AES-128-GCM: 500 random cases sealed alike by all three, and opened", async () => {
        for (let i = 0; i < 500; i++) {
            const key = randomBytes(16)
            const iv = randomBytes(12)
            const pt = randomBytes(lengths())
            const aad = randomBytes(randomInt(0, 40))
            const k = aes128GcmKey(key)
            const ours = await aes128GcmSeal(k, iv, pt, aad)
            expect(ours.toString("hex")).toBe(openssl("aes-128-gcm", key, iv, pt, aad).toString("hex"))
            expect(ours.toString("hex")).toBe(Buffer.from(gcm(key, iv, aad).encrypt(pt)).toString("hex"))
            expect((await aes128GcmOpen(k, iv, ours, aad))!.equals(pt)).toBe(true)
        }
    })
})
