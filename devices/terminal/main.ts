// The merchant terminal's firmware: its application (src/terminal/terminal-app.ts) with the
// keypad and character display as Jacdac roles, the card reached over the Card Link, and RADIUS
// over TCP (RFC 6613) to the payment server. Server host, port, shared secret, terminal and
// merchant IDs come from the device's settings. The terminal holds no card key and never sees
// the card number.

import * as ds from "@devicescript/core"
import { devicePlatform } from "../common/platform"
import { readText } from "../common/settings-port"
import { CardLinkClient, LINK_MAX_COMMAND_DATA } from "../common/card-link-client"
import { openTcpStream } from "../common/tcp-byte-stream"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { CardReader, Keypad, TerminalApp, TerminalDisplay } from "../../src/terminal/terminal-app"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { RadiusStreamClient } from "../../src/radius/stream-client"
import { radiusSecret } from "../../src/radius/authenticator"
import { fromHex, fromUtf8 } from "../../src/bytes"
import { encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME } from "../../src/link/card-commands"

const screen = new ds.CharacterScreen()
const keys = new ds.MatrixKeypad()
const cardLink = new ds.CardLink()

let wantedText = ""
let shownText = ""
const display: TerminalDisplay = {
    show: (text: string) => {
        if (text !== wantedText) console.log("TERMINAL DISPLAY " + text.split("\n").join(" | "))
        wantedText = text
    },
}
setInterval(async () => {
    if (wantedText !== shownText && screen.isBound) {
        shownText = wantedText
        await screen.message.write(wantedText)
    }
}, 20)

// Key labels come from the keypad itself (its labels register), so any layout works.
let labels: string[] = []
const pressed: string[] = []
keys.down.subscribe(async (index: number) => {
    if (labels.length === 0) labels = await keys.labels.read()
    if (index >= 0 && index < labels.length) pressed.push(labels[index])
})
const keypad: Keypad = {
    nextKey: async (timeoutMs: number) => {
        for (let waited = 0; waited < timeoutMs; waited += 10) {
            if (pressed.length > 0) return pressed.shift()
            await ds.sleep(10)
        }
        return ""
    },
}

const link = new CardLinkClient(cardLink, 500, 4)
const SELECT = encodeCommand({ cla: CLA_ISO, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: fromHex(ACTIVECARD_AID), le: 0 })
const reader: CardReader = {
    waitForCard: async (timeoutMs: number) => {
        const start = ds.millis()
        while (ds.millis() - start < timeoutMs) {
            if (await link.probe(SELECT, 150)) return true
            await ds.sleep(20)
        }
        return false
    },
    card: () => new ApduCardPort(link, LINK_MAX_COMMAND_DATA),
}

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
const app = new TerminalApp(display, keypad, reader, new RadiusUplink(radius, terminalId), devicePlatform.randomBytes, {
    terminalId: terminalId,
    merchantId: merchantId,
    currency: currency,
    promptTimeoutMs: 60000,
})
console.log("TERMINAL READY " + terminalId)
for (;;) {
    const outcome = await app.sale()
    if (outcome !== null) console.log("TERMINAL OUTCOME " + outcome.responseCode + " " + outcome.message)
    // The result stays on the display until a key is pressed (or a while has passed).
    await keypad.nextKey(15000)
}
