// Two-VM link test, terminal side: pays through the Card Link service (the card is another VM on
// the Jacdac bus); the server session runs in this VM behind an in-memory uplink.

import * as ds from "@devicescript/core"
import { CardLinkClient, LINK_MAX_COMMAND_DATA } from "../../../devices/common/card-link-client"
import { devicePlatform } from "../../../devices/common/platform"
import { ApduCardPort } from "../../../src/terminal/apdu-card-port"
import { TerminalRelay } from "../../../src/terminal/terminal-relay"
import { EAP_TYPE_AKA_PRIME } from "../../../src/eap/eap-packet"
import { fromHex } from "../../../src/bytes"
import { MemoryServerPorts } from "../../shared/memory-server-ports"
import { MemoryUplink } from "../../shared/memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN } from "../../shared/test-card"

const role = new ds.CardLink()
for (let i = 0; i < 100 && !role.isBound; i++) await ds.sleep(50)
console.log("LINK BOUND " + role.isBound)
const ports = new MemoryServerPorts(devicePlatform.randomBytes)
ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 100000)
const card = new ApduCardPort(new CardLinkClient(role, 500, 4), LINK_MAX_COMMAND_DATA)
const uplink = new MemoryUplink(ports, devicePlatform, EAP_TYPE_AKA_PRIME)
const wrong = await new TerminalRelay(card, uplink, devicePlatform.randomBytes).pay(
    { amount: 4000, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: fromHex("1111111111111111") },
    "0000",
)
console.log("LINK RESULT " + wrong.responseCode + " " + wrong.message)
const t0 = ds.millis()
const paid = await new TerminalRelay(card, uplink, devicePlatform.randomBytes).pay(
    { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: fromHex("2222222222222222") },
    TEST_PIN,
)
console.log("LINK RESULT " + paid.responseCode + " " + paid.message + " in " + (ds.millis() - t0) + " ms")
console.log("LINK DONE " + ports.finalApprovals())
