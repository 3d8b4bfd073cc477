// The vending machine's application inside the DeviceScript VM: VendingApp over ApduCardPort and
// a scripted card (chained SIGN HISTORY, a 6985 poll, the CMS in 61xx parts), a fake verifier,
// settings in memory: a sale dispensed once and logged, a refusal with nothing dispensed, the
// card lost, and a reboot over a pending sale (logged UNCONFIRMED, not dispensed again).

import * as ds from "@devicescript/core"
import { decodeCommand, encodeResponse } from "../../../src/link/apdu"
import { LinkLostError } from "../../../src/link/apdu-link"
import { ApduCardPort } from "../../../src/terminal/apdu-card-port"
import { SettingsPort } from "../../../src/card/card-store"
import { VendingApp } from "../../../src/vending/vending-app"
import { VendingRefusal } from "../../../src/vending/vending-refusal"
import { SalesLog, KEY_PENDING } from "../../../src/vending/sales-log"
import { DEFAULT_SLOTS, parseSlots } from "../../../src/vending/challenge-text"
import { concat, fromUtf8 } from "../../../src/bytes"
import { devicePlatform } from "../../../devices/common/platform"
import { expectTrue, runVmCases, vmCase } from "./harness"

const NOW = 1796507836

/** A card that signs after one 6985 poll; out of sight from the first command with INS `dropOn`. */
function scriptedCard(dropOn: number) {
    let pending = Buffer.alloc(0)
    let polls = 0
    let history = Buffer.alloc(0)
    let parts: Buffer[] = []
    let lost = false
    return {
        transceive: async (apdu: Buffer) => {
            if (apdu[1] === dropOn) lost = true
            if (lost) throw new LinkLostError("out of sight")
            const c = decodeCommand(apdu)
            if ((c.cla & 0x10) !== 0) {
                parts.push(c.data)
                return encodeResponse(Buffer.alloc(0), 0x9000)
            }
            if (c.ins === 0x2a) {
                parts.push(c.data)
                history = concat(parts)
                parts = []
                return encodeResponse(Buffer.alloc(0), 0x9000)
            }
            if (c.ins === 0xc0) {
                const rest = pending
                pending = Buffer.alloc(0)
                return encodeResponse(rest, 0x9000)
            }
            if (c.ins === 0x2c) {
                if (polls++ < 1) return encodeResponse(Buffer.alloc(0), 0x6985)
                const cms = concat([fromUtf8("CMS:"), history, Buffer.alloc(200)])
                pending = cms.slice(150, cms.length)
                return encodeResponse(cms.slice(0, 150), 0x6100 | (pending.length & 0xff))
            }
            return encodeResponse(Buffer.alloc(0), 0x9000)
        },
    }
}

class Flash implements SettingsPort {
    keys: string[] = []
    values: Buffer[] = []
    writes = 0
    async read(key: string): Promise<Buffer | null> {
        const i = this.keys.indexOf(key)
        return i < 0 || this.values[i].length === 0 ? null : this.values[i]
    }
    async write(key: string, value: Buffer, verify: boolean): Promise<void> {
        this.writes++
        const i = this.keys.indexOf(key)
        if (i < 0) {
            this.keys.push(key)
            this.values.push(value)
        } else this.values[i] = value
    }
}

interface Run {
    app: VendingApp
    log: SalesLog
    shown: string[]
    dispensed: number[]
}

async function machine(flash: Flash, keys: string, dropOn: number, refusal: string, hang: boolean): Promise<Run> {
    const queue = keys.split("")
    const shown: string[] = []
    const dispensed: number[] = []
    const card = scriptedCard(dropOn)
    const log = new SalesLog(flash, 4)
    const app = new VendingApp(
        {
            display: { show: (t: string) => shown.push(t) },
            keypad: {
                // A real keypad waits (and so yields to the VM); this one yields at once.
                nextKey: async (ms: number) => {
                    await ds.sleep(0)
                    return queue.length > 0 ? queue.shift() : ""
                },
            },
            reader: { waitForCard: async (ms: number) => true, card: () => new ApduCardPort(card, 64) },
            clock: { now: async () => NOW },
            dispenser: {
                ready: () => true,
                dispense: async (slot: number) => {
                    dispensed.push(slot)
                    // The power goes while the output moves: this never ends.
                    while (hang) await ds.sleep(50)
                },
            },
        },
        log,
        {
            verify: async (cms: Buffer, challenge: Buffer, now: number) => {
                if (refusal !== "") throw new VendingRefusal(8, refusal)
                if (cms.slice(4, 4 + challenge.length).toString("hex") !== challenge.toString("hex")) throw new VendingRefusal(7, "NOT OUR CHALLENGE")
                return { serial: "01ab", holder: "Minsu Park" }
            },
        },
        devicePlatform.randomBytes,
        { machineId: "VM000001", currency: 410, items: parseSlots(DEFAULT_SLOTS), promptTimeoutMs: 3000, pollMs: 500, displayColumns: 20 },
    )
    await app.boot()
    return { app: app, log: log, shown: shown, dispensed: dispensed }
}

vmCase("a sale: dispensed once, logged, the pending record cleared", async () => {
    const flash = new Flash()
    const m = await machine(flash, "2#", -1, "", false)
    const o = await m.app.sale(1000)
    expectTrue(o !== null && o.dispensed && o.message === "TAKE YOUR ITEM\nCIDER", "outcome " + (o !== null ? o.message : "null"))
    expectTrue(m.dispensed.length === 1 && m.dispensed[0] === 2, "dispensed " + m.dispensed.length)
    const lines = await m.log.unsent(10)
    expectTrue(lines.length === 1 && lines[0].indexOf("0 DISPENSED ") === 0 && lines[0].indexOf(" 2 1500 410 01ab 2026-12-05T21:57:16Z") > 0, "log " + lines.join("|"))
    expectTrue((await flash.read(KEY_PENDING)) === null, "pending cleared")
})

vmCase("a refusal from the verifier: nothing dispensed, nothing written", async () => {
    const flash = new Flash()
    const m = await machine(flash, "1#", -1, "CARD REVOKED", false)
    const o = await m.app.sale(1000)
    expectTrue(o !== null && !o.dispensed && o.message === "CARD REVOKED\nNOTHING DISPENSED", "outcome " + (o !== null ? o.message : "null"))
    expectTrue(m.dispensed.length === 0 && flash.writes === 0, "dispensed " + m.dispensed.length + " writes " + flash.writes)
})

vmCase("the card lost in the middle of the CMS: nothing dispensed", async () => {
    const flash = new Flash()
    const m = await machine(flash, "1#", 0xc0, "", false)
    const o = await m.app.sale(1000)
    expectTrue(o !== null && !o.dispensed && o.message === "CARD LOST\nNOTHING DISPENSED", "outcome " + (o !== null ? o.message : "null"))
})

vmCase("a power cut while dispensing: at boot the sale is logged UNCONFIRMED, not dispensed again", async () => {
    const flash = new Flash()
    const first = await machine(flash, "3#", -1, "", true)
    let ended = false
    const runSale = async () => {
        await first.app.sale(1000)
        ended = true
    }
    runSale.start()
    for (let i = 0; i < 400 && first.dispensed.length === 0; i++) await ds.sleep(10)
    expectTrue(first.dispensed.length === 1 && !ended, "the first machine is dispensing")
    const second = await machine(flash, "", -1, "", false)
    expectTrue(second.dispensed.length === 0, "no second dispense")
    expectTrue(second.shown.length > 0 && second.shown[second.shown.length - 1] === "SALE UNCONFIRMED\nSLOT 3 1,200 KRW\nLOGGED FOR CHECK", "notice " + second.shown.join("|"))
    const lines = await second.log.unsent(10)
    expectTrue(lines.length === 1 && lines[0].indexOf("0 UNCONFIRMED ") === 0, "log " + lines.join("|"))
    expectTrue((await flash.read(KEY_PENDING)) === null, "pending cleared")
})

await runVmCases()
