// The benchmark's HLR/AuC gateway (bench/hlr-gateway.ts): hostapd's eap_sim_db text protocol
// answered with the project's Milenage; its vectors must be what a card accepts.

import { describe, expect, test } from "vitest"
import { cardVerifyAutn } from "../../src/crypto/aka"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { HlrGateway } from "../../bench/hlr-gateway"

const K = "465b5ce8b199b49faa5f0a2ee238a6bc"
const OPC = "cd63cb71954a9f4e48a5994e37a02baf"
const AMF_PRIME = Buffer.from("8000", "hex")

function parse(answer: string | null) {
    expect(answer).not.toBeNull()
    const [cmd, imsi, rand, autn, ik, ck, res] = answer!.split(" ")
    expect(cmd).toBe("AKA-RESP-AUTH")
    return { imsi, rand: Buffer.from(rand, "hex"), autn: Buffer.from(autn, "hex"), ik: Buffer.from(ik, "hex"), ck: Buffer.from(ck, "hex"), res: Buffer.from(res, "hex") }
}

describe("HLR/AuC gateway", () => {
    test("AKA-REQ-AUTH: a vector the card accepts, with the card's RES, CK and IK, and a fresh SQN each time", () => {
        const gw = new HlrGateway(AMF_PRIME)
        gw.add("CARD0001", K, OPC)
        const key = milenageKey(Buffer.from(K, "hex"), Buffer.from(OPC, "hex"))
        const window = new SqnWindow()
        for (let i = 0; i < 3; i++) {
            const v = parse(gw.handle("AKA-REQ-AUTH CARD0001"))
            expect(v.imsi).toBe("CARD0001")
            expect([v.rand.length, v.autn.length, v.ik.length, v.ck.length, v.res.length]).toEqual([16, 16, 16, 16, 8])
            const card = cardVerifyAutn(key, window, v.rand, v.autn, true)
            expect(card.kind).toBe("ok")
            if (card.kind !== "ok") return
            expect(card.res.equals(v.res)).toBe(true)
            expect(card.ck.equals(v.ck)).toBe(true)
            expect(card.ik.equals(v.ik)).toBe(true)
        }
        expect(gw.stats.vectors).toBe(3)
    })

    test("EAP-AKA' vectors carry the AMF separation bit; a gateway without it is refused by an EAP-AKA' card", () => {
        const key = milenageKey(Buffer.from(K, "hex"), Buffer.from(OPC, "hex"))
        const plain = new HlrGateway(Buffer.from("0000", "hex"))
        plain.add("CARD0001", K, OPC)
        const v = parse(plain.handle("AKA-REQ-AUTH CARD0001"))
        expect(cardVerifyAutn(key, new SqnWindow(), v.rand, v.autn, true).kind).toBe("amf-failure")
        expect(cardVerifyAutn(key, new SqnWindow(), v.rand, v.autn, false).kind).toBe("ok")
    })

    test("an unknown IMSI gets FAILURE; malformed requests get no answer", () => {
        const gw = new HlrGateway(AMF_PRIME)
        expect(gw.handle("AKA-REQ-AUTH NOSUCH01")).toBe("AKA-RESP-AUTH NOSUCH01 FAILURE")
        expect(gw.handle("SIM-REQ-AUTH 001 2")).toBeNull()
        expect(gw.handle("AKA-REQ-AUTH")).toBeNull()
        expect(gw.stats).toMatchObject({ unknown: 1, malformed: 2, vectors: 0 })
    })

    test("AKA-AUTS resynchronises: after the card's AUTS, the next vector is fresh for it", () => {
        const gw = new HlrGateway(AMF_PRIME)
        gw.add("CARD0001", K, OPC)
        const key = milenageKey(Buffer.from(K, "hex"), Buffer.from(OPC, "hex"))
        // The card has accepted SEQ 1000 under every IND: the gateway's SEQ 1 is stale.
        const window = new SqnWindow(new Array(32).fill(1000))
        const stale = parse(gw.handle("AKA-REQ-AUTH CARD0001"))
        const r = cardVerifyAutn(key, window, stale.rand, stale.autn, true)
        expect(r.kind).toBe("sync-failure")
        if (r.kind !== "sync-failure") return
        expect(gw.handle(`AKA-AUTS CARD0001 ${r.auts.toString("hex")} ${stale.rand.toString("hex")}`)).toBeNull()
        expect(gw.stats.resyncs).toBe(1)
        const fresh = parse(gw.handle("AKA-REQ-AUTH CARD0001"))
        expect(cardVerifyAutn(key, window, fresh.rand, fresh.autn, true).kind).toBe("ok")
    })

    test("an AUTS that does not verify changes nothing", () => {
        const gw = new HlrGateway(AMF_PRIME)
        gw.add("CARD0001", K, OPC)
        const key = milenageKey(Buffer.from(K, "hex"), Buffer.from(OPC, "hex"))
        const v = parse(gw.handle("AKA-REQ-AUTH CARD0001"))
        gw.handle(`AKA-AUTS CARD0001 ${"00".repeat(14)} ${v.rand.toString("hex")}`)
        expect(gw.stats).toMatchObject({ resyncs: 0, badAuts: 1 })
        // The SQN did not jump: a card that accepted SEQ 1 accepts the next vector (SEQ 2).
        const window = new SqnWindow()
        expect(cardVerifyAutn(key, window, v.rand, v.autn, true).kind).toBe("ok")
        const next = parse(gw.handle("AKA-REQ-AUTH CARD0001"))
        expect(cardVerifyAutn(key, window, next.rand, next.autn, true).kind).toBe("ok")
    })
})
