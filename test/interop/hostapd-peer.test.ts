// The server benchmark's peer (bench/hostapd-peer.ts): hostapd as a RADIUS EAP-AKA / EAP-AKA'
// server with its vectors from the benchmark's HLR/AuC gateway over a Unix datagram socket, and
// the simulated terminal's authentication-only exchange (bench/auth-exchange.ts) against it and
// against the payment server. Skipped when hostapd is not installed (Debian package hostapd).

import { describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { authCard, authenticate, authTerminal, type AuthCardProfile } from "../../bench/auth-exchange"
import { HlrGateway, serveHlr } from "../../bench/hlr-gateway"
import { hostapdBinary, startHostapd } from "../../bench/hostapd-peer"
import { PaymentServer } from "../../sim/server/payment-server"
import { provisionCard, provisionTerminal } from "../../sim/server/provision"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import { freeUdpPort } from "../support/free-port"

const binary = hostapdBinary()

function profile(cardId: string, seq = 0): AuthCardProfile {
    return { cardId, realm: "pay.activecard.example", k: randomBytes(16).toString("hex"), opc: randomBytes(16).toString("hex"), seqMs: new Array(32).fill(seq) }
}

describe.skipIf(binary === null)("hostapd as the benchmark's peer", () => {
    test.each([
        ["EAP-AKA'", EAP_TYPE_AKA_PRIME],
        ["EAP-AKA", EAP_TYPE_AKA],
    ])("%s: full authentications succeed with the card's MSK in MS-MPPE keys; a card ahead resynchronises", async (_name, method) => {
        const prime = method === EAP_TYPE_AKA_PRIME
        const dir = mkdtempSync(join(tmpdir(), "activecard-hostapd-test-"))
        const cards = [profile("HTEST001"), profile("HTEST002", 1000)]
        const gw = new HlrGateway(Buffer.from(prime ? "8000" : "0000", "hex"))
        for (const c of cards) gw.add(c.cardId, c.k, c.opc)
        const hlr = await serveHlr(gw, join(dir, "hlr.sock"))
        const port = await freeUdpPort()
        const hostapd = await startHostapd({ binary: binary!, dir, port, secret: "bench-secret", hlrSocket: hlr.path })
        const terminal = await authTerminal(port, "bench-secret", "TERM0001")
        try {
            const fresh = authCard(cards[0], prime)
            for (let i = 0; i < 3; i++) {
                const o = await authenticate(fresh, terminal, true)
                expect(o, o.failure).toMatchObject({ ok: true, keysMatched: true, resynchronised: false, roundTrips: 3 })
            }
            const ahead = await authenticate(authCard(cards[1], prime), terminal, true)
            expect(ahead, ahead.failure).toMatchObject({ ok: true, keysMatched: true, resynchronised: true, roundTrips: 4 })
            expect(gw.stats).toMatchObject({ resyncs: 1, badAuts: 0, unknown: 0, malformed: 0 })
            // A card hostapd's gateway does not know is refused.
            const stranger = await authenticate(authCard(profile("HTEST999"), prime), terminal, true)
            expect(stranger.ok).toBe(false)
            expect(gw.stats.unknown).toBe(1)
        } finally {
            await terminal.client.close()
            await hostapd.close()
            await hlr.close()
            rmSync(dir, { recursive: true, force: true })
        }
    }, 30_000)
})

test.skipIf(binary !== null)("hostapd peer (skipped: install Debian's hostapd to run it)", () => {})

describe("the benchmark's authentication-only exchange against the payment server", () => {
    test.each([
        ["EAP-AKA'", EAP_TYPE_AKA_PRIME],
        ["EAP-AKA", EAP_TYPE_AKA],
    ])("%s: the card authenticates; the server sends no MS-MPPE keys (the terminal never learns the MSK)", async (_name, method) => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-auth-test-"))
        const server = await PaymentServer.start({ dataDir: dir, udpPort: 0, tcpPort: 0, methods: [method], log: () => {} })
        try {
            const { profile: p } = await provisionCard(server.store, { cardId: "AUTH0001", pan: "9400111122223333", holder: "AUTH TEST", currency: 410, balance: 0, limit: 0, realm: "pay.activecard.example", networkName: "", noPinLimit: 0 })
            const t = await provisionTerminal(server.store, "127.0.0.1", "TERM0001", "MERCHANT0001", "127.0.0.1", server.udp.port)
            const terminal = await authTerminal(server.udp.port, t.secret, t.terminalId)
            const card = authCard({ ...p, seqMs: p.seqMs.map(() => 1000) }, method === EAP_TYPE_AKA_PRIME)
            const first = await authenticate(card, terminal, false)
            expect(first, first.failure).toMatchObject({ ok: true, keysMatched: false, resynchronised: true })
            const second = await authenticate(card, terminal, false)
            // Identity and challenge: without a payment there is no decision for a protected result to carry.
            expect(second, second.failure).toMatchObject({ ok: true, keysMatched: false, resynchronised: false, roundTrips: 2 })
            expect((await authenticate(card, terminal, true)).failure).toMatch(/without MS-MPPE keys/)
            await terminal.client.close()
        } finally {
            await server.stop()
            rmSync(dir, { recursive: true, force: true })
        }
    }, 30_000)
})
