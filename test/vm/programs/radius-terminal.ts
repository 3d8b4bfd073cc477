// A terminal VM paying over RADIUS/TCP (RFC 6613) against the real payment server in Node, with
// the bytecode MD5; the test card's APDU application runs in the same VM. A second payment loses
// its Access-Accept on the way: the terminal asks for the outcome (status inquiry) and shows what
// the server's ledger holds.

import * as ds from "@devicescript/core"
import { devicePlatform } from "../../../devices/common/platform"
import { openTcpStream } from "../../../devices/common/tcp-byte-stream"
import { RadiusStreamClient } from "../../../src/radius/stream-client"
import { radiusSecret } from "../../../src/radius/authenticator"
import { RadiusUplink } from "../../../src/terminal/radius-uplink"
import { ApduCardPort } from "../../../src/terminal/apdu-card-port"
import { inquiryPolicy, TerminalRelay, UplinkError, UplinkPort, UplinkReply } from "../../../src/terminal/terminal-relay"
import { Payment } from "../../../src/payment/payment"
import { fromUtf8 } from "../../../src/bytes"
import { TestCard, TEST_PIN } from "../../shared/test-card"
import { SERVER } from "./generated/server-config"

const card = new TestCard(devicePlatform, true, 200)
const link = {
    transceive: async (apdu: Buffer) => {
        await ds.sleep(0)
        return await card.applet.process(apdu)
    },
}
const client = new RadiusStreamClient(
    async () => await openTcpStream(SERVER.host, SERVER.port, 5000),
    radiusSecret(fromUtf8(SERVER.secret)),
    devicePlatform.randomBytes,
    devicePlatform.yieldSlice,
    5000,
)
const relay = new TerminalRelay(new ApduCardPort(link, 200), new RadiusUplink(client, SERVER.terminalId), devicePlatform.randomBytes)
const t0 = ds.millis()
const outcome = await relay.pay(
    { amount: 15000, currency: 410, installments: 3, merchantId: SERVER.merchantId, terminalId: SERVER.terminalId, transactionId: devicePlatform.randomBytes(8) },
    TEST_PIN,
)
console.log("RADIUS RESULT " + outcome.responseCode + " " + outcome.message + " in " + (ds.millis() - t0) + " ms")

const radius = new RadiusUplink(client, SERVER.terminalId)
let inquiries = 0
const losing: UplinkPort = {
    send: async (eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> => {
        const r = await radius.send(eap, state, payment)
        if (r.kind === "accept") throw new UplinkError("the Access-Accept was lost")
        return r
    },
    inquire: async (transactionId: Buffer): Promise<UplinkReply> => {
        inquiries++
        return await radius.inquire(transactionId)
    },
}
const policy = inquiryPolicy(async (ms: number) => {
    await ds.sleep(ms)
})
const txid = devicePlatform.randomBytes(8)
const doubt = await new TerminalRelay(new ApduCardPort(link, 200), losing, devicePlatform.randomBytes, false, policy).pay(
    { amount: 2500, currency: 410, installments: 0, merchantId: SERVER.merchantId, terminalId: SERVER.terminalId, transactionId: txid },
    TEST_PIN,
)
console.log("RADIUS INDOUBT " + txid.toString("hex") + " " + inquiries + " " + doubt.responseCode + " " + doubt.message)
await client.close()
console.log("RADIUS DONE")
