// A whole payment through the card's APDU application and the terminal's relay, with the server
// session behind an in-memory uplink: written to run inside the DeviceScript VM as well.

import { AkaPlatform } from "../../src/eap/aka-crypto"
import { EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA } from "../../src/eap/eap-packet"
import { Payment } from "../../src/payment/payment"
import { ApduCardPort } from "../../src/terminal/apdu-card-port"
import { ApduLink } from "../../src/link/apdu-link"
import { TerminalRelay } from "../../src/terminal/terminal-relay"
import { fromHex } from "../../src/bytes"
import { MemoryServerPorts } from "./memory-server-ports"
import { MemoryUplink } from "./memory-uplink"
import { TEST_CARD_ID, TEST_K, TEST_OPC, TEST_PIN, TestCard } from "./test-card"
import { CryptoCase } from "./crypto-cases"

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

export function apduCases(platform: AkaPlatform): CryptoCase[] {
    const cases: CryptoCase[] = []
    const methods = [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]
    methods.forEach((method) => {
        cases.push({
            name: (method === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA") + " payment through the card's APDU application and the terminal relay, chaining at 64 bytes",
            run: async () => {
                const ports = new MemoryServerPorts(platform.randomBytes)
                ports.addCard(TEST_CARD_ID, TEST_K, TEST_OPC, 100000)
                const card = new TestCard(platform, method === EAP_TYPE_AKA_PRIME, 64)
                const link: ApduLink = {
                    transceive: async (apdu: Buffer) => {
                        await platform.yieldSlice()
                        return await card.applet.process(apdu)
                    },
                }
                const relay = new TerminalRelay(new ApduCardPort(link, 64), new MemoryUplink(ports, platform, method), platform.randomBytes)
                const p: Payment = { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: fromHex("0102030405060708") }
                const outcome = await relay.pay(p, TEST_PIN)
                ok(outcome.approved, "terminal outcome: " + outcome.message)
                ok(ports.finalApprovals() === 1, "one final approval")
                ok(card.shown.length >= 3 && card.shown[0] === "PAY 12500", "card display: " + card.shown.join(" | "))
                ok(card.saves >= 2, "PIN counter and AKA state persisted")
            },
        })
    })
    return cases
}
