// The merchant terminal's firmware: its application (src/terminal/terminal-app.ts) with a display,
// a keypad and a card reader, and RADIUS over TCP (RFC 6613) to the payment server. On the board
// (boards/activecard_terminal.board.json) these are the drivers of the chips on its I2C bus:
// HD44780 LCD, PCF8574 keypad, PN532 NFC reader and SC16IS750 infrared port; in the simulator the
// same drivers run against emulated chips, or Jacdac roles stand in for them. Server host, port,
// shared secret, terminal and merchant IDs come from the device's settings. The terminal holds
// no card key and never sees the card number. With a service provider set (`svc.host`,
// `svc.port`, the terminal's token `svc.token`), 'B' at the amount prompt starts the
// transaction-signing mode (src/terminal/sign-mode.ts): the holder's card signs over infrared.

import * as ds from "@devicescript/core"
import "@dsboard/activecard_terminal"
import { devicePlatform } from "../common/platform"
import { readText } from "../common/settings-port"
import { openI2cBus } from "../common/i2c-bus"
import { openTcpStream } from "../common/tcp-byte-stream"
import { openTerminalDisplay } from "./display"
import { openTerminalKeypad } from "./keypad"
import { openCardReader } from "./reader"
import { TerminalApp, TerminalMode } from "../../src/terminal/terminal-app"
import { SignMode } from "../../src/terminal/sign-mode"
import { ServiceUplink } from "../../src/terminal/service-uplink"
import { inquiryPolicy } from "../../src/terminal/terminal-relay"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { RadiusStreamClient } from "../../src/radius/stream-client"
import { radiusSecret } from "../../src/radius/authenticator"
import { fromUtf8 } from "../../src/bytes"

const bus = await openI2cBus()
const display = await openTerminalDisplay(bus)
const keypad = await openTerminalKeypad(bus)
const reader = await openCardReader(bus)

// Configuration from settings; an unconfigured terminal says so and waits for it.
let host = ""
for (;;) {
    host = await readText("srv.host")
    if (host !== "") break
    display.show("NOT CONFIGURED\nSET SERVER")
    await ds.sleep(500)
}
const port = parseInt(await readText("srv.port"))
const secret = await readText("srv.secret")
const terminalId = await readText("term.id")
const merchantId = await readText("merchant.id")
const currencyText = await readText("currency")
const currency = currencyText !== "" ? parseInt(currencyText) : 410

const radius = new RadiusStreamClient(
    async () => await openTcpStream(host, port, 3000),
    radiusSecret(fromUtf8(secret)),
    devicePlatform.randomBytes,
    devicePlatform.yieldSlice,
    3000,
)
// The service provider for transactions the holder signs; without one 'B' does nothing.
const svcHost = await readText("svc.host")
const svcPort = parseInt(await readText("svc.port"))
let signMode: TerminalMode | null = null
if (svcHost !== "" && svcPort > 0) {
    const service = new ServiceUplink(async () => await openTcpStream(svcHost, svcPort, 3000), svcHost, terminalId, await readText("svc.token"), 10000)
    const signer = new SignMode(display, keypad, reader, service, { currency: currency, promptTimeoutMs: 60000, pollMs: 500, displayColumns: 20 }, devicePlatform.log)
    signMode = {
        run: async () => {
            const outcome = await signer.sign()
            console.log("TERMINAL SIGNED " + (outcome.performed ? "performed" : "not performed") + (outcome.forwarded ? " forwarded " : " ") + outcome.message.split("\n").join(" | "))
        },
    }
}
const app = new TerminalApp(display, keypad, reader, new RadiusUplink(radius, terminalId), devicePlatform.randomBytes, {
    terminalId: terminalId,
    merchantId: merchantId,
    currency: currency,
    promptTimeoutMs: 60000,
    displayColumns: 20,
}, inquiryPolicy(async (ms: number) => {
    await ds.sleep(ms)
}), devicePlatform.log)
app.signMode = signMode
console.log("TERMINAL READY " + terminalId + (signMode !== null ? " (sign mode: B)" : ""))
for (;;) {
    const outcome = await app.sale()
    if (outcome !== null) console.log("TERMINAL OUTCOME " + outcome.responseCode + " " + outcome.message)
    // The result stays on the display until a key is pressed (or a while has passed).
    await keypad.nextKey(15000)
}
