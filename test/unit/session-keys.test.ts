// The keys an EAP-AKA/AKA' exchange derives (src/eap/aka-crypto.ts): K_encr, K_aut and K_re up
// front, MSK and EMSK only when asked for. Checked against RFC 9048 Appendix D for EAP-AKA', and
// against the complete RFC 4187 derivation (itself checked against RFC 4186's vectors) for EAP-AKA.

import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { fullAuthKeys, reauthSessionKeys } from "../../src/eap/aka-crypto"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { eapAkaKeys, eapAkaReauthKeys } from "../../src/crypto/eap-aka-keys"
import { eapAkaPrimeReauthKeys } from "../../src/crypto/eap-aka-prime-keys"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { AKA_PRIME_VECTORS } from "../vectors/eap-aka-prime"

const hex = (s: string) => Buffer.from(s, "hex")

describe("session keys of a full authentication", () => {
    test.each(AKA_PRIME_VECTORS.map((v) => [v.name, v] as const))("EAP-AKA' %s", (_name, v) => {
        const k = fullAuthKeys(nodeAkaPlatform, EAP_TYPE_AKA_PRIME, hex(v.identity), hex(v.ck), hex(v.ik), hex(v.networkName), hex(v.autn).subarray(0, 6))
        expect(k.kEncr.toString("hex")).toBe(v.kEncr)
        expect(k.kAut.toString("hex")).toBe(v.kAut)
        expect(k.reauthKey.toString("hex")).toBe(v.kRe)
        const e = k.exported()
        expect(e.msk.toString("hex")).toBe(v.msk)
        expect(e.emsk.toString("hex")).toBe(v.emsk)
    })

    test("EAP-AKA: the same keys as the complete RFC 4187 derivation, on random inputs", () => {
        for (let i = 0; i < 50; i++) {
            const identity = randomBytes(1 + (i % 40))
            const ik = randomBytes(16)
            const ck = randomBytes(16)
            const k = fullAuthKeys(nodeAkaPlatform, EAP_TYPE_AKA, identity, ck, ik, Buffer.alloc(0), randomBytes(6))
            const all = eapAkaKeys(identity, ik, ck)
            expect(k.kEncr.equals(all.kEncr)).toBe(true)
            expect(k.kAut.equals(all.kAut)).toBe(true)
            expect(k.reauthKey.equals(all.mk)).toBe(true)
            const e = k.exported()
            expect(e.msk.equals(all.msk)).toBe(true)
            expect(e.emsk.equals(all.emsk)).toBe(true)
        }
    })
})

describe("session keys of a fast re-authentication", () => {
    test.each([
        ["EAP-AKA'", EAP_TYPE_AKA_PRIME],
        ["EAP-AKA", EAP_TYPE_AKA],
    ] as const)("%s keeps K_encr and K_aut and derives a new MSK and EMSK", (_name, method) => {
        const stored = { kEncr: randomBytes(16), kAut: randomBytes(method === EAP_TYPE_AKA_PRIME ? 32 : 16), reauthKey: randomBytes(method === EAP_TYPE_AKA_PRIME ? 32 : 20) }
        const identity = Buffer.from("7reauth@pay.activecard.example")
        const nonceS = randomBytes(16)
        const k = reauthSessionKeys(nodeAkaPlatform, method, identity, 3, nonceS, stored)
        expect(k.kEncr.equals(stored.kEncr) && k.kAut.equals(stored.kAut) && k.reauthKey.equals(stored.reauthKey)).toBe(true)
        const want = method === EAP_TYPE_AKA_PRIME ? eapAkaPrimeReauthKeys(nodeAkaPlatform.hmacSha256, stored.reauthKey, identity, 3, nonceS) : eapAkaReauthKeys(identity, 3, nonceS, stored.reauthKey)
        const e = k.exported()
        expect(e.msk.equals(want.msk) && e.emsk.equals(want.emsk)).toBe(true)
    })
})
