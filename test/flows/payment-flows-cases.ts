// Card logic <-> terminal relay logic <-> payment server over real RADIUS sockets on loopback:
// the cases, run on SQLite (payment-flows.test.ts) and on PostgreSQL (payment-flows-pg.test.ts).

import { afterEach, beforeEach, describe, expect, test } from "vitest"
import type { LedgerRecord } from "../../sim/db/storage"
import type { InProcessCard } from "../../sim/card/in-process-card"
import { UplinkPort, UplinkReply } from "../../src/terminal/terminal-relay"
import { Payment } from "../../src/payment/payment"
import { newCard, newPayment, pay, uplinkFor, World } from "../support/payment-world"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"

let world: World

/** Whether the card ID crossed the terminal in any EAP message of an exchange. */
const cardIdSeen = (relay: { observed: { eap: Buffer }[] }) => Buffer.concat(relay.observed.map((o) => o.eap)).toString("latin1").includes("CARD0001")

/** An uplink a dishonest terminal controls: it can rewrite what it announces and relays. */
export function tampering(inner: UplinkPort, change: { payment?: (p: Payment) => Payment; eap?: (eap: Buffer, n: number) => Buffer }): UplinkPort {
    let n = 0
    return {
        send: async (eap, state, payment): Promise<UplinkReply> => {
            const e = change.eap ? change.eap(eap, n++) : eap
            return inner.send(e, state, payment && change.payment ? change.payment(payment) : payment)
        },
        inquire: (transactionId) => inner.inquire(transactionId),
    }
}

/** Registers every case, each on a new world from `start` (inside the caller's describe). */
export function paymentFlows(start: () => Promise<World>): void {
    beforeEach(async () => {
        world = await start()
    })
    afterEach(async () => {
        await world.close()
    })

    async function ledger(): Promise<LedgerRecord[]> {
        return await world.server.store.ledger()
    }

    async function standingApprovals(): Promise<LedgerRecord[]> {
        return (await ledger()).filter((r) => r.result.responseCode === "00" && r.state === "final")
    }

    describe.each([
        ["EAP-AKA' over RADIUS/UDP", true, "udp"],
        ["EAP-AKA over RADIUS/UDP", false, "udp"],
        ["EAP-AKA' over RADIUS/TCP", true, "tcp"],
        ["EAP-AKA over RADIUS/TCP", false, "tcp"],
    ] as const)("%s", (_name, prime, transport) => {
        test("approved: the terminal shows the approval number, the card holds the same receipt", async () => {
            const { uplink, client } = await uplinkFor(world, transport)
            const card = newCard(world, prime)
            const { outcome, relay } = await pay(card, uplink, newPayment(15000, { installments: 3 }), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            expect(outcome.approvalNumber).toMatch(/^\d{6}$/)
            expect(card.lastResult!.approvalNumber).toBe(outcome.approvalNumber)
            expect(await standingApprovals()).toHaveLength(1)
            expect((await world.server.store.card("CARD0001"))!.balance).toBe(1_000_000 - 15000)
            // The terminal saw the card's identity but never the card number, K or OPc.
            const seen = Buffer.concat(relay.observed.map((o) => o.eap)).toString("latin1")
            expect(seen).not.toContain("9400123456789012")
            expect(Buffer.concat(relay.observed.map((o) => o.eap)).includes(Buffer.from(world.profile.k, "hex"))).toBe(false)
        })
    })

    describe("declines and failures", () => {
        test("unknown card: declined 14", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            card.flash.profile.cardId = "NOSUCHCARD"
            const stranger = card.reboot()
            const { outcome } = await pay(stranger, uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(false)
            expect(outcome.responseCode).toBe("14")
        })

        test("wrong PIN: refused by the card, nothing reaches the server", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            const { outcome } = await pay(card, uplink, newPayment(1000), "0000")
            await client.close()
            expect(outcome.responseCode).toBe("55")
            expect(outcome.message).toMatch(/WRONG PIN - 2 TRIES LEFT/)
            expect(await ledger()).toHaveLength(0)
        })

        test("PIN locked after three wrong PINs, still locked with the right PIN and after a reboot", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            let card = newCard(world)
            for (let i = 0; i < 2; i++) expect((await pay(card, uplink, newPayment(1000), "1111")).outcome.responseCode).toBe("55")
            expect((await pay(card, uplink, newPayment(1000), "1111")).outcome.responseCode).toBe("75")
            expect((await pay(card, uplink, newPayment(1000), world.pin)).outcome.responseCode).toBe("75")
            card = card.reboot()
            expect((await pay(card, uplink, newPayment(1000), world.pin)).outcome.responseCode).toBe("75")
            await client.close()
            expect(await ledger()).toHaveLength(0)
        })

        test("insufficient funds: declined 51 on the terminal and on the card's receipt", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            const { outcome } = await pay(card, uplink, newPayment(2_000_000), world.pin)
            await client.close()
            expect(outcome.responseCode).toBe("51")
            expect(card.lastResult!.responseCode).toBe("51")
        })

        test("the server fails authentication (wrong K): the card aborts, nothing is approved", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            card.flash.profile.k = "00".repeat(16)
            const impostorServerCard = card.reboot()
            const { outcome } = await pay(impostorServerCard, uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(false)
            expect(await ledger()).toHaveLength(0)
        })

        test("SQN out of sync: the card's AUTS resynchronises the AuC and the payment is approved", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            card.flash.profile.seqMs[0] = 5000
            const ahead = card.reboot()
            const { outcome } = await pay(ahead, uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
        })

        test("card pulled away mid-transaction: clear message, no standing approval", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            let calls = 0
            const original = card.eap.bind(card)
            card.eap = async (req: Buffer) => {
                if (++calls === 3) card.removed = true // after the challenge, before the protected result is acknowledged
                return original(req)
            }
            const { outcome } = await pay(card, uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.message).toMatch(/CARD REMOVED/)
            await world.server.gateway.sweep(Infinity)
            expect(await standingApprovals()).toHaveLength(0)
        })

        test("server down: clear message, no approval", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            await world.server.udp.close()
            const { outcome } = await pay(newCard(world), uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.message).toMatch(/SERVER UNREACHABLE/)
            expect(outcome.responseCode).toBe("91")
        })
    })

    describe("a tampering terminal is declined, never approved", () => {
        test.each([
            ["amount", (p: Payment) => ({ ...p, amount: p.amount * 10 })],
            ["merchant", (p: Payment) => ({ ...p, merchantId: "EVILSHOP" })],
            ["currency", (p: Payment) => ({ ...p, currency: 840 })],
            ["installments", (p: Payment) => ({ ...p, installments: 12 })],
        ])("altered %s announced to the server", async (_what, alter) => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            const { outcome } = await pay(card, tampering(uplink, { payment: alter }), newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(false)
            expect(await standingApprovals()).toHaveLength(0)
        })

        test("altered payment confirmation from the card (AT_PAYMENT under AT_MAC)", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const flipInChallengeResponse = (eap: Buffer, n: number) => {
                if (n !== 1) return eap
                const b = Buffer.from(eap)
                b[b.length - 30] ^= 0x01
                return b
            }
            const { outcome } = await pay(newCard(world), tampering(uplink, { eap: flipInChallengeResponse }), newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(false)
            expect(await standingApprovals()).toHaveLength(0)
        })
    })

    describe("replays, retransmissions and restarts", () => {
        test("replay of an old card response to a new challenge: rejected (the card fails authentication)", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            const first = await pay(card, uplink, newPayment(1000), world.pin)
            expect(first.outcome.approved).toBe(true)
            const recorded = first.relay.observed.filter((o) => o.from === "card").map((o) => o.eap)
            // An attacker's "card" answers every request with the recorded responses.
            let i = 0
            const replayer = {
                offer: async () => {},
                pinRequired: async () => false,
                verifyPin: async () => ({ answer: 0, triesLeft: 3 }),
                eap: async () => recorded[Math.min(i++, recorded.length - 1)],
            }
            const { outcome } = await pay(replayer, uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(false)
            expect(await standingApprovals()).toHaveLength(1)
        })

        test("replay of an old challenge to the card: the card refuses (SQN), no RES leaves it", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world, true)
            card.flash.pseudonym = ""
            const first = await pay(card, uplink, newPayment(1000), world.pin)
            await client.close()
            const challenge = first.relay.observed.find((o) => o.from === "server" && o.eap[0] === 1 && o.eap[5] === 1)!.eap
            const fresh = card.reboot()
            await fresh.offer(newPayment(1000))
            await fresh.verifyPin(world.pin)
            await fresh.eap(Buffer.from([1, 9, 0, 5, 1]))
            const resp = (await fresh.eap(challenge))!
            expect(resp[5]).not.toBe(1) // not a Challenge response carrying RES
        })

        test("retransmitted requests: exactly one approval", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const twice: UplinkPort = {
                send: async (eap, state, payment) => {
                    const a = await uplink.send(eap, state, payment)
                    await uplink.send(eap, state, payment).catch(() => undefined)
                    return a
                },
                inquire: (transactionId) => uplink.inquire(transactionId),
            }
            const { outcome } = await pay(newCard(world), twice, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            expect(await ledger()).toHaveLength(1)
            expect(await standingApprovals()).toHaveLength(1)
        })

        test("server restart between two transactions: cards, SQN, the pseudonym key and ledger are kept", async () => {
            let { uplink, client } = await uplinkFor(world, "udp")
            let card = newCard(world)
            expect((await pay(card, uplink, newPayment(1000), world.pin)).outcome.approved).toBe(true)
            await client.close()
            await world.restart()
            ;({ uplink, client } = await uplinkFor(world, "udp"))
            // Without its re-authentication identity, the card offers its pseudonym: the restarted server still reads it.
            card.flash.reauth = null
            card = card.reboot()
            const second = await pay(card, uplink, newPayment(2000), world.pin)
            expect(second.outcome.approved).toBe(true)
            expect(cardIdSeen(second.relay)).toBe(false)
            await client.close()
            expect(await standingApprovals()).toHaveLength(2)
            expect((await world.server.store.card("CARD0001"))!.balance).toBe(1_000_000 - 3000)
        })
    })

    describe("identities issued by the server", () => {
        test("per card: a different pseudonym each full authentication, each still usable; an altered or unknown one falls back to the card ID; one re-authentication ID", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            // A full authentication each time (no re-authentication identity on the card): a new pseudonym each time.
            const fullAuth = async (card: InProcessCard) => {
                card.flash.reauth = null
                const again = card.reboot()
                const r = await pay(again, uplink, newPayment(1000), world.pin)
                expect(r.outcome.approved).toBe(true)
                return { card: again, relay: r.relay }
            }
            const holding = (card: InProcessCard, pseudonym: string) => {
                const other = card.reboot()
                other.flash.pseudonym = pseudonym
                return other
            }
            let card = newCard(world)
            ;({ card } = await fullAuth(card))
            const issued = [card.flash.pseudonym]
            for (let i = 0; i < 2; i++) {
                ;({ card } = await fullAuth(card))
                issued.push(card.flash.pseudonym)
            }
            expect(new Set(issued).size).toBe(3)
            for (const p of issued) expect(p).not.toContain("CARD0001")
            expect(await world.server.store.reauthIdsOf("CARD0001")).toHaveLength(1)
            // The first pseudonym still works without revealing the card ID (nothing stored to forget)...
            expect(cardIdSeen((await fullAuth(holding(card, issued[0]))).relay)).toBe(false)
            // ...one altered in flash or in flight, or never issued, is not the server's: it asks for
            // the card ID (RFC 4187 4.1.6) and the payment goes through.
            const last = issued[2]
            const altered = last.slice(0, 40) + (last[40] === "A" ? "B" : "A") + last.slice(41)
            for (const p of [altered, last.slice(0, -1), "P" + "A".repeat(82), "x9f3kQ2mZp1LwR8v"]) {
                expect(cardIdSeen((await fullAuth(holding(card, p))).relay)).toBe(true)
            }
            await client.close()
        })
    })

    describe("card-payment proxy (the agency between terminals and the server)", () => {
        test("a payment through the proxy is approved; the proxy holds no key and relays opaque EAP", async () => {
            const { PaymentProxy } = await import("../../sim/server/proxy")
            const { provisionTerminal } = await import("../../sim/server/provision")
            const { RadiusClient } = await import("../../sim/radius/client")
            const { RadiusUplink } = await import("../../src/terminal/radius-uplink")
            // The proxy is the server's RADIUS client (on 127.0.0.2); terminals talk to the proxy with their own secret.
            const upstream = await provisionTerminal(world.server.store, "127.0.0.2", "AGENCY01", "MERCHANT0001", "127.0.0.1", world.server.udp.port)
            const terminalSecret = Buffer.from("7465726d696e616c2d746f2d70726f7879", "hex")
            const proxy = await PaymentProxy.start({
                host: "127.0.0.1",
                udpPort: 0,
                tcpPort: 0,
                secretFor: (a) => (a === "127.0.0.1" ? terminalSecret : null),
                upstream: { transport: "tcp", host: "127.0.0.1", port: world.server.tcp.port, secret: Buffer.from(upstream.secret, "utf8"), localAddress: "127.0.0.2" },
                log: () => {},
            })
            try {
                const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port: proxy.udp.port, secret: terminalSecret, timeoutMs: 2000, retries: 1 })
                const { outcome } = await pay(newCard(world), new RadiusUplink(client, "TERM0001"), newPayment(4200), world.pin)
                await client.close()
                expect(outcome.approved).toBe(true)
                expect(proxy.forwarded).toBeGreaterThanOrEqual(3)
                expect(await standingApprovals()).toHaveLength(1)
            } finally {
                await proxy.stop()
            }
        })
    })

    describe("figures 6 and 7", () => {
        test("EAP-Start (figure 6): the server opens with EAP-Request/Identity; the payment rides on the first request", async () => {
            const { uplink, client } = await uplinkFor(world, "tcp")
            const { TerminalRelay } = await import("../../src/terminal/terminal-relay")
            const { randomBytes } = await import("node:crypto")
            const relay = new TerminalRelay(newCard(world), uplink, (n) => randomBytes(n), true)
            const outcome = await relay.pay(newPayment(3300), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            expect(relay.observed[0]).toMatchObject({ from: "server" })
            expect(relay.observed[0].eap[4]).toBe(1) // EAP-Request/Identity from the server
        })

        test("the payment piggybacked on EAP-Request/Identity (figure 7) must match what the card was offered", async () => {
            const card = newCard(world)
            const offered = newPayment(1000)
            await card.offer(offered)
            await card.verifyPin(world.pin)
            const { identityRequestWithOffer } = await import("../../src/terminal/terminal-relay")
            expect(await card.eap(identityRequestWithOffer(5, { ...offered, amount: 999_000 }))).toBeNull()
            expect(card.display).toContain("PAYMENT MISMATCH")
            const again = newCard(world)
            await again.offer(offered)
            await again.verifyPin(world.pin)
            const identity = (await again.eap(identityRequestWithOffer(6, offered)))!
            expect(identity[4]).toBe(1) // the card answers with its identity
        })
    })

    describe("over ISO 7816-4 APDUs (the card's application behind a simulated field)", () => {
        test.each([255, 64, 16])("approved with command chaining and GET RESPONSE at %i bytes per APDU", async (maxData) => {
            const { uplink, client } = await uplinkFor(world, "tcp")
            const card = newCard(world)
            const { outcome } = await pay(new ApduCardPort(card.apduLink(), maxData), uplink, newPayment(7700, { installments: 2 }), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            expect(card.lastResult!.approvalNumber).toBe(outcome.approvalNumber)
        })

        test("wrong PIN answers 63C2, three wrong PINs lock the card (6983) across a reboot", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            let card = newCard(world)
            expect((await pay(new ApduCardPort(card.apduLink()), uplink, newPayment(1000), "1111")).outcome.message).toMatch(/2 TRIES LEFT/)
            expect((await pay(new ApduCardPort(card.apduLink()), uplink, newPayment(1000), "1111")).outcome.message).toMatch(/1 TRIES LEFT/)
            expect((await pay(new ApduCardPort(card.apduLink()), uplink, newPayment(1000), "1111")).outcome.responseCode).toBe("75")
            card = card.reboot()
            expect((await pay(new ApduCardPort(card.apduLink()), uplink, newPayment(1000), world.pin)).outcome.responseCode).toBe("75")
            await client.close()
            expect(await ledger()).toHaveLength(0)
        })

        test("card pulled from the field mid-transaction: CARD REMOVED, no standing approval", async () => {
            const { uplink, client } = await uplinkFor(world, "udp")
            const card = newCard(world)
            const link = card.apduLink()
            let n = 0
            const flaky = {
                transceive: async (apdu: Buffer) => {
                    if (++n === 6) card.removed = true // during AUTHENTICATE, after the challenge
                    return link.transceive(apdu)
                },
            }
            const { outcome } = await pay(new ApduCardPort(flaky), uplink, newPayment(1000), world.pin)
            await client.close()
            expect(outcome.message).toMatch(/CARD REMOVED/)
            await world.server.gateway.sweep(Infinity)
            expect(await standingApprovals()).toHaveLength(0)
        })
    })

    describe("the terminal firmware's RADIUS/TCP client (portable, RFC 6613)", () => {
        test("a payment through RadiusStreamClient with the bytecode MD5 against the server", async () => {
            const { RadiusStreamClient } = await import("../../src/radius/stream-client")
            const { radiusSecret } = await import("../../src/radius/authenticator")
            const { RadiusUplink } = await import("../../src/terminal/radius-uplink")
            const { nodeByteStream } = await import("../../sim/radius/node-byte-stream")
            const { randomBytes } = await import("node:crypto")
            const port = world.server.tcp.port
            // No native digests: the same MD5 the terminal firmware runs.
            const client = new RadiusStreamClient(() => nodeByteStream("127.0.0.1", port), radiusSecret(Buffer.from(world.terminal.secret, "utf8")), (n) => randomBytes(n), async () => {}, 2000)
            const { outcome } = await pay(newCard(world), new RadiusUplink(client, "TERM0001"), newPayment(2500), world.pin)
            await client.close()
            expect(outcome.approved).toBe(true)
            expect(world.server.tcp.stats.badMessageAuthenticator).toBe(0)
        })

        test("server down: the stream client fails cleanly and the terminal says so", async () => {
            const { RadiusStreamClient } = await import("../../src/radius/stream-client")
            const { radiusSecret } = await import("../../src/radius/authenticator")
            const { RadiusUplink } = await import("../../src/terminal/radius-uplink")
            const { nodeByteStream } = await import("../../sim/radius/node-byte-stream")
            const { randomBytes } = await import("node:crypto")
            const port = world.server.tcp.port
            await world.server.tcp.close()
            const client = new RadiusStreamClient(() => nodeByteStream("127.0.0.1", port), radiusSecret(Buffer.from("x")), (n) => randomBytes(n), async () => {}, 500)
            const { outcome } = await pay(newCard(world), new RadiusUplink(client, "TERM0001"), newPayment(2500), world.pin)
            expect(outcome.message).toMatch(/SERVER UNREACHABLE/)
        })
    })
}
