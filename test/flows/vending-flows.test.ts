// The offline vending machine on the simulated boards: the compiled card, terminal and vending
// firmware in three VMs, the machine's drivers against its emulated LCD, keypad, infrared port
// and DS3231 clock, its relay counted, and in Node the CA, the bank and the SMSC. One enrolled
// card goes through, in order: a purchase (dispensed once, logged), the card pulled away, a
// corrupted infrared byte, the machine's clock past notAfter, before notBefore and two days on
// (stale status), a machine that trusts another CA, an earlier challenge replayed to the card, a
// power cut while dispensing, then the card revoked at the CA: refused by the
// machine's refreshed CRL, then by the OCSP response the card staples. Each refusal dispenses
// nothing. The simulator holds its project's Jacdac port
// (vitest.config.ts).

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CaServer } from "../../sim/ca/ca-server"
import { CA_CERT_FILE } from "../../sim/ca/ca-data"
import { buildFirmware } from "../../sim/simulator/firmware"
import { Simulator, VENDING_MACHINE_ID } from "../../sim/simulator/simulator"
import type { CertificateServices } from "../../sim/simulator/certificates"
import type { VendingBoard } from "../../sim/simulator/boards"
import { enrolCard, signOnline } from "../../sim/simulator/certificate-flows"
import { buyAtMachine, describePurchase, type Purchase } from "../../sim/simulator/vending-flows"
import { formatTrace } from "../../sim/trace/field-trace"
import { decodeSale, KEY_HEAD, KEY_LOG, LOG_CAPACITY, STATUS_DISPENSED, STATUS_UNCONFIRMED } from "../../src/vending/sales-log"

/** Another simulator test file may hold the bus port: wait for it rather than fail. */
const WAIT = 900_000
const FLOW_MS = 300_000
const DAY = 86_400

let sim: Simulator
let certs: CertificateServices
let machine: VendingBoard
const log: string[] = []
const password = "27182818"
let letter: { reference: string; secret: string }
let serial = ""
/** The card's certificate validity (seconds since 1970). */
let validity = { notBefore: 0, notAfter: 0 }
const confirmToDispense: number[] = []

beforeAll(async () => {
    const firmware = await buildFirmware({ vending: true })
    sim = await Simulator.start({ firmware, link: "infrared", certificates: true, vending: true, waitForBusMs: WAIT, log: (l) => log.push(l) })
    certs = sim.certificates!
    machine = sim.vending!
    letter = certs.readMailer(certs.registerHolder())
    const enrolled = await enrolCard(sim, { reference: letter.reference, secret: letter.secret, password })
    expect(enrolled, sim.cardDisplay.describe()).toMatch(/^ENROLLED\n/)
    serial = certs.serialsOf(letter.reference)[0]
    const c = certs.ca.store.certificate(serial)!
    validity = { notBefore: Math.floor(c.notBefore / 1000), notAfter: Math.floor(c.notAfter / 1000) }
    // After enrolment the card fetches the CA's OCSP response to staple.
    await sim.waitFor(() => cardLines().some((l) => l.includes("CERT OCSP response stored")), 60_000, "the card fetched no OCSP response", () => sim.cardVm?.output() ?? "")
}, 1_200_000)

afterAll(async () => {
    if (confirmToDispense.length > 0) console.log(`confirm on the card to dispense: ${confirmToDispense.join(", ")} ms`)
    await sim?.stop()
})

function cardLines(): string[] {
    return sim.cardVm?.lines() ?? []
}

function vendingLines(): string[] {
    return machine.device?.lines() ?? []
}

/** The last sale in the machine's log. */
async function lastSale(): Promise<{ seq: number; line: string }> {
    const head = parseInt((await sim.vendingSetting(KEY_HEAD)) ?? "0")
    const line = await sim.vendingSetting(KEY_LOG + ((head - 1) % LOG_CAPACITY))
    return { seq: head - 1, line: line ?? "" }
}

/** A purchase the machine refused: its reason on the display, nothing dispensed, nothing logged. */
async function expectRefused(p: Purchase, reason: RegExp, headBefore: number): Promise<void> {
    expect(p.machine, describePurchase(p) + "\n" + p.field.join(" / ") + "\n" + machine.display.describe()).toMatch(reason)
    expect(p.machine).toMatch(/NOTHING DISPENSED$/)
    expect(p.dispensed).toBe(0)
    expect((await lastSale()).seq).toBe(headBefore)
}

/** Runs `f` with the machine offline (so nothing sets its clock back) and its clock at `seconds`; restores both. */
async function atMachineTime<T>(seconds: number, f: () => Promise<T>): Promise<T> {
    sim.vendingOnline = false
    await sim.setVendingClock(seconds)
    try {
        return await f()
    } finally {
        await sim.setVendingClock(Date.now() / 1000)
        sim.vendingOnline = true
    }
}

describe.sequential("the offline vending machine on the simulated boards", () => {
    test("a purchase: the challenge signed on the card, verified offline, dispensed once and logged", async () => {
        const fieldFrom = sim.fieldLines().length
        const p = await buyAtMachine(sim, { slot: 1, password })
        expect(p.machine, describePurchase(p) + "\n" + machine.display.describe()).toMatch(/^TAKE YOUR ITEM\nCOLA/)
        expect(p.dispensed).toBe(1)
        expect(p.result).toMatch(/^SIGNED/)
        // The card showed the machine's challenge: its ID, the item and the price.
        const pages = p.pages.join("\n")
        expect(pages).toContain(`BY VENDING ${VENDING_MACHINE_ID}`)
        expect(pages).toContain("ITEM 1 COLA")
        expect(pages).toContain("PRICE 1500 KRW")
        const whats = sim.fieldLines().slice(fieldFrom).map((l) => l.what)
        expect(whats).toContain("SIGN HISTORY")
        expect(whats).toContain("GET SIGNATURE")
        expect(p.confirmToDispenseMs).not.toBeNull()
        confirmToDispense.push(p.confirmToDispenseMs as number)
        const sale = decodeSale((await lastSale()).line)
        expect(sale.status).toBe(STATUS_DISPENSED)
        expect(sale.slot).toBe(1)
        expect(sale.price).toBe(1500)
        expect(serial.toLowerCase().replace(/^0+/, "")).toBe(sale.serial.toLowerCase().replace(/^0+/, ""))
        expect(await sim.vendingSetting("vs.pending")).toBeNull()
        expect(vendingLines().some((l) => l.startsWith("VENDING OUTCOME OK"))).toBe(true)
    }, FLOW_MS)

    test("the card pulled away mid-exchange: nothing dispensed, the machine says the card was lost", async () => {
        const head = (await lastSale()).seq
        const p = await buyAtMachine(sim, { slot: 2, password, pullWhen: (what) => what === "SIGN HISTORY", timeoutMs: 120_000 })
        await expectRefused(p, /^(CARD LOST|NO CARD|NO SIGNATURE IN TIME)\n/, head)
    }, FLOW_MS)

    test("a corrupted byte over infrared: the frame is dropped and sent again, or the sale refused; never dispensed twice", async () => {
        const head = (await lastSale()).seq
        const line = sim.chips!.line
        line.corruptIn = 300
        try {
            const p = await buyAtMachine(sim, { slot: 3, password })
            expect(line.corruptIn).toBe(-1) // the byte was corrupted
            console.log("a corrupted byte over infrared: " + describePurchase(p))
            if (/^TAKE YOUR ITEM/.test(p.machine)) {
                expect(p.dispensed).toBe(1)
                expect((await lastSale()).seq).toBe(head + 1)
            } else await expectRefused(p, /\S/, head)
        } finally {
            line.corruptIn = -1
        }
    }, FLOW_MS)

    test("the machine's clock past the certificate's notAfter: CERT EXPIRED", async () => {
        const head = (await lastSale()).seq
        const p = await atMachineTime(validity.notAfter + DAY, () => buyAtMachine(sim, { slot: 1, password }))
        await expectRefused(p, /^CERT EXPIRED\n/, head)
    }, FLOW_MS)

    test("the machine's clock before the certificate's notBefore: CERT NOT YET VALID", async () => {
        const head = (await lastSale()).seq
        const p = await atMachineTime(validity.notBefore - DAY, () => buyAtMachine(sim, { slot: 1, password }))
        await expectRefused(p, /^CERT NOT YET VALID\n/, head)
    }, FLOW_MS)

    test("two days on the machine's clock, offline: the staple and the kept CRL are stale, NO FRESH STATUS", async () => {
        const head = (await lastSale()).seq
        const p = await atMachineTime(Date.now() / 1000 + 2 * DAY, () => buyAtMachine(sim, { slot: 1, password }))
        await expectRefused(p, /^NO FRESH STATUS\n/, head)
    }, FLOW_MS)

    test("a machine that trusts another CA (its own key, the same kind of name): WRONG CA; trusting ours again, it sells", async () => {
        const head = (await lastSale()).seq
        const otherDir = mkdtempSync(join(tmpdir(), "activecard-other-ca-"))
        const other = await CaServer.start({ dataDir: otherDir, port: 0, log: () => {} })
        try {
            const pem = readFileSync(join(otherDir, CA_CERT_FILE), "utf8")
            await sim.setVendingTrust(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"))
            const p = await buyAtMachine(sim, { slot: 1, password })
            await expectRefused(p, /^WRONG CA\n/, head)
        } finally {
            await sim.setVendingTrust(certs.caCertificateDer())
            await other.stop()
            rmSync(otherDir, { recursive: true, force: true })
        }
        const p = await buyAtMachine(sim, { slot: 1, password })
        expect(p.machine, describePurchase(p)).toMatch(/^TAKE YOUR ITEM/)
        expect(p.dispensed).toBe(1)
        expect((await lastSale()).seq).toBe(head + 1)
    }, 2 * FLOW_MS)

    test("an earlier challenge replayed to the card from the light path: the card signs it, the machine refuses NOT OUR CHALLENGE", async () => {
        const line = sim.chips!.line
        // A frame on the line: the exchange number, then the APDU (sc16is750-irda.ts).
        const signHistory = (frame: Buffer) => frame.length > 5 && (frame[1] & 0xef) === 0x80 && frame[2] === 0x2a
        // A purchase of the same item, its challenge recorded on the way to the card.
        const recorded: Buffer[] = []
        line.rewriteToB = (frame) => {
            if (signHistory(frame)) recorded.push(Buffer.from(frame.subarray(1)))
            return frame
        }
        let replayed = 0
        try {
            const first = await buyAtMachine(sim, { slot: 1, password })
            expect(first.dispensed, describePurchase(first)).toBe(1)
            expect(recorded.length).toBeGreaterThan(0)
            const head = (await lastSale()).seq
            // The next purchase: the machine's fresh challenge replaced, part for part, by the
            // recorded one under the live frame's exchange number.
            line.rewriteToB = (frame) => (signHistory(frame) && replayed < recorded.length ? Buffer.concat([frame.subarray(0, 1), recorded[replayed++]]) : frame)
            const p = await buyAtMachine(sim, { slot: 1, password })
            expect(replayed).toBe(recorded.length)
            expect(p.result, describePurchase(p)).toMatch(/^SIGNED/)
            await expectRefused(p, /^NOT OUR CHALLENGE\n/, head)
        } finally {
            line.rewriteToB = null
        }
    }, 2 * FLOW_MS)

    test("a power cut while dispensing: not dispensed again after the restart, the sale logged UNCONFIRMED", async () => {
        const head = (await lastSale()).seq
        const p = await buyAtMachine(sim, { slot: 2, password, powerCutWhenDispensing: true })
        expect(p.machine, describePurchase(p) + "\n" + machine.display.describe()).toMatch(/^SALE UNCONFIRMED\nSLOT 2/)
        expect(p.dispensed).toBe(1)
        expect(vendingLines().some((l) => /^VENDING READY .*settled:/.test(l))).toBe(true)
        const sale = await lastSale()
        expect(sale.seq).toBe(head + 1)
        expect(decodeSale(sale.line).status).toBe(STATUS_UNCONFIRMED)
        expect(decodeSale(sale.line).slot).toBe(2)
        expect(await sim.vendingSetting("vs.pending")).toBeNull()
        // The notice stays until a key; after it the machine sells on, with nothing more dispensed.
        const after = machine.relay.activations
        await sim.vendingKeys("*")
        await new Promise((r) => setTimeout(r, 2000))
        expect(machine.relay.activations).toBe(after)
    }, FLOW_MS)

    test("revoked at the CA, the machine's CRL refreshed: CARD REVOKED though the card's staple still says good", async () => {
        const head = (await lastSale()).seq
        expect(certs.revoke(letter.reference)).toHaveLength(1)
        // The machine refreshes the CRL at start and every minute: a restart asks at once.
        await sim.rebootVending()
        await sim.waitFor(() => vendingLines().some((l) => l.startsWith("VENDING CRL kept, 1 revoked")), 60_000, "the machine kept no CRL listing the card", () => machine.device?.output() ?? "")
        const p = await buyAtMachine(sim, { slot: 1, password })
        await expectRefused(p, /^CARD REVOKED\n/, head)
    }, FLOW_MS)

    test("revoked, a machine without a CRL: the OCSP response the card fetched before an SMS signing says so, CARD REVOKED", async () => {
        const head = (await lastSale()).seq
        // The machine forgets its CRL and stays offline: only the card's staple can tell.
        sim.vendingOnline = false
        try {
            await sim.writeVendingSettings([["vend.crl", Buffer.alloc(0)]])
            await sim.rebootVending()
            expect(await sim.vendingSetting("vend.crl")).toBeNull()
            const stored = cardLines().filter((l) => l.includes("CERT OCSP response stored")).length
            const online = await signOnline(sim, { amount: 2_000, password })
            expect(online.status.state).toBe("refused")
            expect(cardLines().filter((l) => l.includes("CERT OCSP response stored")).length).toBe(stored + 1)
            const p = await buyAtMachine(sim, { slot: 1, password })
            await expectRefused(p, /^CARD REVOKED\n/, head)
        } finally {
            sim.vendingOnline = true
        }
    }, FLOW_MS)

    test("no secret or password in any VM's output, display or trace", () => {
        const all = [sim.cardVm?.output() ?? "", machine.device?.output() ?? "", sim.terminalVm?.output() ?? "", sim.cardDisplay.describe(), machine.display.describe(), formatTrace(sim.fieldLines()), log.join("\n")].join("\n")
        expect(all).not.toContain(letter.secret)
        expect(all).not.toContain(password)
    })
})
