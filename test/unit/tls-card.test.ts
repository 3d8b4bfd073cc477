// The card application of the EAP-TLS family (src/card/tls-card.ts) in Node over memory flash:
// its personalization record and ticket encodings, a record of the other family refused, and
// payments through the terminal's relay, APDU by APDU, against the payment server on real RADIUS
// sockets: a full handshake, then resumptions with the tickets kept in flash across a reboot,
// a wrong PIN, and a server that does not know the card.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ActiveCard, CardPanel } from "../../src/card/active-card"
import { akaCard } from "../../src/card/aka-card"
import { tlsCard, KEY_TICKETS, KEY_TICKETS_TAKEN, KEY_TLS_PROFILE } from "../../src/card/tls-card"
import { decodeTlsProfile, encodeTlsProfile, TlsCardProfile } from "../../src/card/tls-card-profile"
import { decodeTickets, encodeTickets, MAX_TICKETS, TicketStore } from "../../src/tls/ticket-store"
import type { TlsTicket } from "../../src/tls/tls-client"
import { FormatError } from "../../src/format-error"
import { decodeResponse } from "../../src/link/apdu"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { nodeAkaPlatform } from "../../sim/node-platform"
import { personalizationApdus } from "../../sim/card/personalization"
import { tlsIssuer, type TlsIssuer } from "../../sim/simulator/tls-issuer"
import { MemorySettings } from "../shared/memory-settings"
import { newPayment, pay, startWorld, uplinkFor, type World } from "../support/payment-world"

class RecordingPanel implements CardPanel {
    readonly shown: string[] = []
    show(text: string): void {
        this.shown.push(text)
    }
    led(): void {}
}

const ticket = (n: number, receivedAt = 1000): TlsTicket => ({ ticket: randomBytes(n), psk: randomBytes(32), ageAdd: 0xfedcba98, lifetimeSeconds: 86400, receivedAt })

describe("records and tickets", () => {
    const profile: TlsCardProfile = {
        realm: "pay.activecard.example",
        serverName: "payments.activecard.example",
        seed: randomBytes(32),
        certificate: randomBytes(420),
        caPublicKey: randomBytes(32),
        pinSalt: randomBytes(16),
        pinVerifier: randomBytes(32),
        maxPinTries: 3,
        noPinLimit: 50000,
    }

    test("the personalization record keeps every field; damaged records are refused with FormatError only", () => {
        const good = encodeTlsProfile(profile)
        expect(decodeTlsProfile(good)).toEqual(profile)
        expect(() => decodeTlsProfile(good.subarray(0, good.length - 1))).toThrow(FormatError)
        expect(() => decodeTlsProfile(Buffer.concat([good, Buffer.from([1, 0, 1, 0x41])]))).toThrow(/duplicate/)
        for (let i = 0; i < 3000; i++) {
            const b = Buffer.from(good)
            for (let j = 0; j < 1 + (i % 4); j++) b[randomBytes(2).readUInt16BE(0) % b.length] = randomBytes(1)[0]
            try {
                decodeTlsProfile(i % 3 === 0 ? randomBytes(i % 700) : b)
            } catch (e) {
                expect(e, String(e)).toBeInstanceOf(FormatError)
            }
        }
    })

    test("tickets survive their flash encoding; a truncated one is refused", () => {
        const list = [ticket(768), ticket(40, -1)]
        expect(decodeTickets(encodeTickets(list))).toEqual(list)
        expect(decodeTickets(Buffer.alloc(0))).toEqual([])
        expect(() => decodeTickets(encodeTickets(list).subarray(0, 100))).toThrow(FormatError)
    })

    test("the ticket store offers each ticket once, the oldest first, drops expired ones and keeps the newest two", () => {
        const store = new TicketStore()
        const [a, b, c] = [ticket(10, 1000), ticket(11, 2000), ticket(12, 3000)]
        store.keep([a, b, c])
        expect(store.tickets).toEqual([b, c])
        expect(MAX_TICKETS).toBe(2)
        expect(store.take(2000 + 86400)).toBe(c) // b has expired by then
        expect(store.taken).toBe(2)
        expect(store.take(3000)).toBeNull()
        store.keep([a])
        expect(store.tickets).toEqual([a])
        expect(store.taken).toBe(0)
        expect(store.take(-1)).toBe(a) // without a clock the server judges the age
        // The ones not yet taken stay beside new ones.
        store.keep([b, c])
        expect(store.take(-1)).toBe(b)
        store.keep([a])
        expect(store.tickets).toEqual([c, a])
    })
})

describe("an EAP-TLS card paying through the terminal relay against the payment server", () => {
    let dir = ""
    let issuer: TlsIssuer
    let world: World

    beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), "activecard-tls-card-"))
        issuer = tlsIssuer(dir)
        world = await startWorld(1_000_000, { tls: issuer.server })
    })
    afterAll(async () => {
        await world.close()
        rmSync(dir, { recursive: true, force: true })
    })

    const record = () => issuer.cardRecord(world.profile, world.profile.cardId)

    async function bootCard(settings: MemorySettings, panel = new RecordingPanel()): Promise<ActiveCard> {
        const card = new ActiveCard(tlsCard(settings, nodeAkaPlatform, () => Math.floor(Date.now() / 1000)), panel, 200)
        await card.boot()
        return card
    }

    async function personalized(): Promise<{ settings: MemorySettings; card: ActiveCard; panel: RecordingPanel }> {
        const settings = new MemorySettings()
        const panel = new RecordingPanel()
        const card = await bootCard(settings, panel)
        for (const apdu of personalizationApdus(record(), 200)) expect(decodeResponse(await card.process(apdu)).sw).toBe(0x9000)
        expect(card.personalized()).toBe(true)
        return { settings, card, panel }
    }

    const link = (card: ActiveCard) => new ApduCardPort({ transceive: async (apdu: Buffer) => await card.process(apdu) })

    test("each family takes only its own record: the other's is refused (6A80) and nothing is stored", async () => {
        const settings = new MemorySettings()
        const akaFamily = new ActiveCard(akaCard(settings, nodeAkaPlatform), new RecordingPanel(), 200)
        await akaFamily.boot()
        const answers = []
        for (const apdu of personalizationApdus(record(), 200)) answers.push(decodeResponse(await akaFamily.process(apdu)).sw)
        expect(answers.at(-1)).toBe(0x6a80)
        expect(akaFamily.personalized()).toBe(false)
        expect(settings.writes).toHaveLength(0)
    })

    test("a full handshake, then resumptions with the two tickets kept in flash across a reboot, then a full handshake again", async () => {
        const { settings, card, panel } = await personalized()
        const { uplink, client } = await uplinkFor(world, "udp")
        let current = card
        const messages: number[] = []
        const ticketWrites: string[][] = []
        for (let i = 0; i < 4; i++) {
            const before = settings.writes.length
            const { outcome, relay } = await pay(link(current), uplink, newPayment(1000 + i), world.pin)
            ticketWrites.push(settings.writes.slice(before).filter((k) => k.startsWith(KEY_TICKETS) || k === KEY_TICKETS_TAKEN))
            expect(outcome.approved, outcome.message).toBe(true)
            expect(panel.shown.at(-1)).toBe("APPROVED " + outcome.approvalNumber)
            messages.push(relay.observed.length)
            // A power cycle between payments: the tickets come back from flash.
            current = await bootCard(settings, panel)
        }
        await client.close()
        // A resumption sends no certificates: fewer fragments, so fewer EAP messages.
        expect(messages[1]).toBeLessThan(messages[0])
        expect(messages[2]).toBe(messages[1])
        expect(messages[3]).toBe(messages[0])
        expect(settings.writes).toContain(KEY_TICKETS)
        expect(settings.writes).toContain(KEY_TLS_PROFILE)
        // A resumption spends its ticket with one small write, the count, before the ticket is offered.
        expect(ticketWrites[1]).toEqual([KEY_TICKETS_TAKEN])
        expect(ticketWrites[2]).toEqual([KEY_TICKETS_TAKEN])
        // Only the key and certificate's record and the tickets hold secrets: neither is shown.
        expect(panel.shown.join(" ")).not.toMatch(/[0-9a-f]{32}/)
    })

    test.each([
        ["without a readable count of taken tickets every stored ticket counts as taken", KEY_TICKETS_TAKEN],
        ["a ticket part that did not land (parts go unverified) fails the header's hash: the tickets are dropped", KEY_TICKETS + "1"],
    ])("%s: the next payment runs the full handshake", async (_what, damaged) => {
        const { settings, card, panel } = await personalized()
        const { uplink, client } = await uplinkFor(world, "udp")
        const first = await pay(link(card), uplink, newPayment(1200), world.pin)
        expect(first.outcome.approved, first.outcome.message).toBe(true)
        expect(decodeTickets(Buffer.concat([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => settings.values.get(KEY_TICKETS + i) ?? Buffer.alloc(0))))).toHaveLength(MAX_TICKETS)
        // The header and the count are read back before the card goes on; the parts are not.
        expect(settings.verified).toContain(KEY_TICKETS)
        expect(settings.verified).toContain(KEY_TICKETS_TAKEN)
        expect(settings.verified).not.toContain(KEY_TICKETS + "0")
        settings.values.delete(damaged)
        const second = await pay(link(await bootCard(settings, panel)), uplink, newPayment(1300), world.pin)
        await client.close()
        expect(second.outcome.approved, second.outcome.message).toBe(true)
        expect(second.relay.observed.length).toBe(first.relay.observed.length)
        // The full handshake brought new tickets, stored with a count of none taken.
        expect(settings.values.get(KEY_TICKETS_TAKEN)).toEqual(Buffer.from([0]))
    })
})
