// Stateless encrypted pseudonyms (sim/server/pseudonym-codec.ts): a pseudonym issued resolves to
// its card under any key the server holds; two of one card differ and have the same length as any
// other card's; anything altered, truncated, under an unknown key or not ours resolves to null
// without throwing; and what the card stores and the NAI carries stays within its limits.

import { describe, expect, test } from "vitest"
import { CARD_ID_BYTES, newServerKey, PseudonymCodec, PSEUDONYM_KEY_INDEX, PSEUDONYM_LENGTH, SERVER_KEY_BYTES } from "../../sim/server/pseudonym-codec"
import { parseIdentity, identityNai, ID_PSEUDONYM } from "../../src/eap/aka-identity"
import { EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"

const KEY_1 = { index: 1, key: Buffer.alloc(32, 0x11) }
const KEY_2 = { index: 2, key: Buffer.alloc(32, 0x22) }

/** The pseudonym with the base64url character at `i` replaced by another. */
function flip(p: string, i: number): string {
    return p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1)
}

describe("stateless encrypted pseudonyms", () => {
    test("a pseudonym issued resolves to its card; two of one card differ; every card's has the same length", () => {
        const codec = new PseudonymCodec([KEY_1])
        const a = codec.encode("CARD0001")
        const b = codec.encode("CARD0001")
        expect(a).not.toBe(b)
        expect(codec.decode(a)).toBe("CARD0001")
        expect(codec.decode(b)).toBe("CARD0001")
        // Distinct nonces across several refills of the server's random pool.
        const many = Array.from({ length: 1000 }, () => codec.encode("CARD0001"))
        expect(new Set(many.map((p) => p.slice(1, 18))).size).toBe(1000)
        for (const p of many.slice(250, 260)) expect(codec.decode(p)).toBe("CARD0001")
        for (const id of ["C004", "CARD0001", "Z".repeat(CARD_ID_BYTES)]) {
            const p = codec.encode(id)
            expect(p).toHaveLength(PSEUDONYM_LENGTH)
            expect(p).toMatch(/^P[A-Za-z0-9_-]+$/)
            expect(p).not.toContain(id)
            expect(codec.decode(p)).toBe(id)
        }
    })

    test("within what the card stores (a ~200-byte setting) and what an NAI carries (253 octets)", () => {
        const p = new PseudonymCodec([KEY_1]).encode("Z".repeat(CARD_ID_BYTES))
        expect(PSEUDONYM_LENGTH).toBe(83)
        expect(Buffer.byteLength(p)).toBeLessThan(200)
        const nai = identityNai(ID_PSEUDONYM, EAP_TYPE_AKA_PRIME, p, "pay.activecard.example")
        expect(nai.length).toBeLessThan(253)
        expect(parseIdentity(nai)).toEqual({ kind: ID_PSEUDONYM, method: EAP_TYPE_AKA_PRIME, user: p, realm: "pay.activecard.example" })
    })

    test("a card ID that cannot be carried gets no pseudonym", () => {
        const codec = new PseudonymCodec([KEY_1])
        expect(codec.encode("")).toBe("")
        expect(codec.encode("Z".repeat(CARD_ID_BYTES + 1))).toBe("")
        expect(codec.encode("CARD\u00000001")).toBe("")
    })

    test("every key held decodes; issuing uses PSEUDONYM_KEY_INDEX; another server's key does not", () => {
        const old = new PseudonymCodec([KEY_1])
        const rotated = new PseudonymCodec([KEY_1, KEY_2], 2)
        expect(rotated.decode(old.encode("CARD0001"))).toBe("CARD0001")
        const fromRotated = rotated.encode("CARD0002")
        expect(old.decode(fromRotated)).toBeNull() // index 2 unknown there
        expect(rotated.decode(fromRotated)).toBe("CARD0002")
        const foreign = new PseudonymCodec([{ index: 1, key: Buffer.alloc(32, 0x33) }])
        expect(foreign.decode(old.encode("CARD0001"))).toBeNull()
        expect(Buffer.from(old.encode("CARD0001").slice(1), "base64url")[0]).toBe(PSEUDONYM_KEY_INDEX)
    })

    test("altered, truncated, extended, re-spelt or garbage pseudonyms resolve to null, never throw", () => {
        const codec = new PseudonymCodec([KEY_1])
        const p = codec.encode("CARD0001")
        // Every character altered in turn: the tag character, the key index, the nonce, the ciphertext, the GCM tag.
        for (let i = 0; i < p.length; i++) expect(codec.decode(flip(p, i))).toBeNull()
        // The key index byte rewritten to another known index: the AAD no longer matches.
        const raw = Buffer.from(p.slice(1), "base64url")
        const reindexed = new PseudonymCodec([KEY_1, { index: 2, key: KEY_1.key }])
        raw[0] = 2
        expect(reindexed.decode("P" + raw.toString("base64url"))).toBeNull()
        // The last character's two unused bits set: the same bytes spelt another way.
        const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(p[p.length - 1])
        const respelt = p.slice(0, -1) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last | 1]
        expect(Buffer.from(respelt.slice(1), "base64url")).toEqual(Buffer.from(p.slice(1), "base64url"))
        expect(codec.decode(respelt)).toBeNull()
        const garbage = ["", "P", p.slice(0, -1), p.slice(0, -4), p + "A", p + "AAAA", "Q" + p.slice(1), p.replace(/^P/, ""), "P" + "=".repeat(82), "P" + "A".repeat(82), p.slice(0, 40) + "+" + p.slice(41), p.slice(0, 40) + "é" + p.slice(41), "x9f3kQ2mZp1LwR8v", "CARD0001"]
        for (const g of garbage) expect(codec.decode(g)).toBeNull()
        for (let i = 0; i < 2000; i++) {
            const r = "P" + Buffer.from(Array.from({ length: 61 }, () => Math.floor(Math.random() * 256))).toString("base64url")
            expect(codec.decode(r)).toBeNull()
        }
    })

    test("keys: 32 random bytes at PSEUDONYM_KEY_INDEX; a codec refuses a wrong key or no key to issue under", () => {
        const a = newServerKey()
        const b = newServerKey()
        expect(a.index).toBe(PSEUDONYM_KEY_INDEX)
        expect(a.key).toHaveLength(SERVER_KEY_BYTES)
        expect(a.key.equals(b.key)).toBe(false)
        expect(() => new PseudonymCodec([])).toThrow(/no server key at index 1/)
        expect(() => new PseudonymCodec([{ index: 1, key: Buffer.alloc(16) }])).toThrow(/not 32 bytes/)
        expect(() => new PseudonymCodec([{ index: 256, key: Buffer.alloc(32) }], 256)).toThrow(/not a byte/)
    })
})
