// The offline vending machine's firmware: its application (src/vending/vending-app.ts) with the
// terminal's LCD, keypad and infrared port, a DS3231 real-time clock and the dispense output. On
// the board (boards/activecard_vending.board.json) these are the drivers of the chips on its I2C
// bus: HD44780 LCD, PCF8574 keypad, SC16IS750 infrared port, DS3231; the output is the board's
// `dispense` relay service on GPIO5. In the simulator the same drivers run against emulated
// chips, and the relay role is an LED. Machine ID (`vend.id`) and items (`vend.slots`,
// slot:price:name;... ) come from the settings, with the defaults below; the sales log and the
// pending sale live there too (src/vending/sales-log.ts). Each sale is decided offline by
// src/vending/offline-verifier.ts under the CA certificate in `ca.cert` and the CRL kept in
// `vend.crl` (src/vending/machine-trust.ts); a machine without a CA certificate refuses every
// sale. With a service provider set (`svc.host`, `svc.port`, and the token it registered the
// machine with in `svc.token`) and a network link, a fiber uploads
// the sales log and sets the clock from the provider's time (src/vending/sales-upload.ts); with
// the CA set (`ca.host`, `ca.port`) it refreshes the CRL. Without a link the machine sells on.

import * as ds from "@devicescript/core"
import "@dsboard/activecard_vending"
import { devicePlatform, deviceSha256, yieldSlice } from "../common/platform"
import { deviceSettings, readText } from "../common/settings-port"
import { openI2cBus } from "../common/i2c-bus"
import { openInfraredPort, SELECT } from "../common/infrared-port"
import { LINK_MAX_COMMAND_DATA } from "../common/card-link-client"
import { openTerminalDisplay } from "../terminal/display"
import { openTerminalKeypad } from "../terminal/keypad"
import { FieldReader } from "../../src/terminal/field-reader"
import { Ds3231Rtc } from "../../src/drivers/ds3231-rtc"
import { SaleVerifier, VendingApp } from "../../src/vending/vending-app"
import { VendingRefusal, WRONG_CA } from "../../src/vending/vending-refusal"
import { CachedCrl, DEFAULT_POLICY, verifySale } from "../../src/vending/offline-verifier"
import { bytecodeVendingCrypto } from "../../src/vending/vending-crypto"
import { loadCrl, loadTrust, refreshCrl } from "../../src/vending/machine-trust"
import type { CaTrust } from "../../src/vending/ocsp-status"
import { SalesLog } from "../../src/vending/sales-log"
import { checkMachineId, DEFAULT_SLOTS, parseSlots, VendingItem } from "../../src/vending/challenge-text"
import { syncSales } from "../../src/vending/sales-upload"
import { openTcpStream } from "../common/tcp-byte-stream"

const DEFAULT_MACHINE_ID = "VM000001"
/** How often the machine tries the service provider (sales upload, clock). */
const SYNC_EVERY_MS = 60000
/** How long the output stays on for one item. */
const DISPENSE_PULSE_MS = 800

const dispenseRole = new ds.Relay()
const bus = await openI2cBus()
const display = await openTerminalDisplay(bus, "VENDING")
const keypad = await openTerminalKeypad(bus, "VENDING")
const ir = bus !== null ? await openInfraredPort(bus, "VENDING") : null
const reader = new FieldReader(null, ir, SELECT, LINK_MAX_COMMAND_DATA, ds.sleep, ds.millis)

let rtc: Ds3231Rtc | null = null
if (bus !== null) {
    const candidate = new Ds3231Rtc(bus)
    try {
        await candidate.begin()
        rtc = candidate
    } catch (e) {
        console.log("VENDING no clock: " + (e as Error).message)
    }
}
const clock = {
    now: async () => (rtc !== null ? await rtc.now() : -1),
}

let machineId = await readText("vend.id")
try {
    checkMachineId(machineId)
} catch (e) {
    if (machineId !== "") console.log("VENDING bad vend.id: " + (e as Error).message)
    machineId = DEFAULT_MACHINE_ID
}
let items: VendingItem[]
try {
    items = parseSlots(await readText("vend.slots"))
} catch (e) {
    items = parseSlots(DEFAULT_SLOTS)
}

const crypto = bytecodeVendingCrypto(yieldSlice)
let trust: CaTrust | null = null
let crl: CachedCrl | null = null
try {
    trust = await loadTrust(deviceSettings, deviceSha256)
    crl = await loadCrl(deviceSettings, deviceSha256)
} catch (e) {
    console.log("VENDING trust unreadable: " + (e as Error).message)
}
const verifier: SaleVerifier = {
    verify: async (cms: Buffer, challenge: Buffer, nowSeconds: number) => {
        if (trust === null) throw new VendingRefusal(WRONG_CA, "no CA certificate in ca.cert")
        const holder = await verifySale(cms, challenge, trust, nowSeconds, crl, DEFAULT_POLICY, crypto)
        return { serial: holder.serial, holder: holder.holder }
    },
}

const salesLog = new SalesLog(deviceSettings)
const app = new VendingApp(
    {
        display: display,
        keypad: keypad,
        reader: reader,
        clock: clock,
        dispenser: {
            ready: () => dispenseRole.isBound,
            dispense: async (slot: number) => {
                // One output for every slot on this board: it pulses once per item.
                await dispenseRole.enabled.write(true)
                await ds.sleep(DISPENSE_PULSE_MS)
                await dispenseRole.enabled.write(false)
            },
        },
    },
    salesLog,
    verifier,
    devicePlatform.randomBytes,
    { machineId: machineId, currency: 410, items: items, promptTimeoutMs: 60000, pollMs: 500, displayColumns: 20 },
    devicePlatform.log,
)

const settled = await app.boot()
console.log("VENDING READY " + machineId + " items:" + items.length + (ir !== null ? " infrared" : "") + (rtc !== null ? " clock" : "") + (settled !== null ? " settled:" + settled.nonce : ""))
// A sale the power cut left pending stays on the display until a key.
if (settled !== null) await keypad.nextKey(30000)

async function sellForever(): Promise<void> {
    for (;;) {
        try {
            const outcome = await app.sale(60000)
            if (outcome !== null) {
                console.log("VENDING OUTCOME " + outcome.code + " " + outcome.message.split("\n").join(" | "))
                // The outcome stays on the display until a key (or a while).
                await keypad.nextKey(15000)
            }
        } catch (e) {
            console.log("VENDING SALE FAILED " + (e as Error).message)
            display.show("OUT OF SERVICE")
            await ds.sleep(5000)
        }
    }
}
sellForever.start()

// Online when it can be: the CA's CRL, the sales log to the service provider, its time to the clock.
const caHost = await readText("ca.host")
const caPort = parseInt(await readText("ca.port"))
const svcHost = await readText("svc.host")
const svcPort = parseInt(await readText("svc.port"))
const svcToken = await readText("svc.token")
async function syncForever(): Promise<void> {
    const syncClock = {
        now: clock.now,
        set: async (seconds: number) => {
            if (rtc !== null) await rtc.set(seconds)
        },
    }
    for (;;) {
        if (trust !== null && caHost !== "" && caPort > 0) {
            try {
                crl = await refreshCrl(deviceSettings, trust, async () => await openTcpStream(caHost, caPort, 3000), caHost, crypto, deviceSha256, 10000)
                console.log("VENDING CRL kept, " + crl.serials.length + " revoked, next update " + crl.nextUpdate)
            } catch (e) {
                console.log("VENDING CRL refresh failed: " + (e as Error).message)
            }
        }
        if (svcHost === "" || !(svcPort > 0) || svcToken === "") {
            await ds.sleep(SYNC_EVERY_MS)
            continue
        }
        try {
            const r = await syncSales(salesLog, machineId, svcToken, async () => await openTcpStream(svcHost, svcPort, 3000), svcHost, syncClock, 10000)
            if (r.uploaded > 0 || r.clockSet) console.log("VENDING SYNC uploaded " + r.uploaded + (r.clockSet ? ", clock set" : ""))
        } catch (e) {
            console.log("VENDING SYNC failed: " + (e as Error).message)
        }
        await ds.sleep(SYNC_EVERY_MS)
    }
}
syncForever.start()
