// A whole payment through the card's APDU application and the terminal's relay, with the server
// session behind an in-memory uplink: written to run inside the DeviceScript VM as well.

import { CardApplet } from "../../src/card/card-applet"
import { CardSession, CardStorage, CardUi } from "../../src/card/card-session"
import { PinRecord, pinVerifier } from "../../src/card/pin"
import { PeerState } from "../../src/eap/aka-peer"
import { AkaPlatform } from "../../src/eap/aka-crypto"
import { AkaServerSession } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_SUCCESS, EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA } from "../../src/eap/eap-packet"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { Payment } from "../../src/payment/payment"
import { approved } from "../../src/payment/result"
import { ApduCardPort, ApduLink } from "../../src/terminal/apdu-card-port"
import { TerminalRelay, UplinkPort, UplinkReply } from "../../src/terminal/terminal-relay"
import { fromHex, fromUtf8 } from "../../src/bytes"
import { MemoryServerPorts } from "./memory-server-ports"
import { CryptoCase } from "./crypto-cases"

const K = fromHex("465b5ce8b199b49faa5f0a2ee238a6bc")
const OPC = fromHex("cd63cb71954a9f4e48a5994e37a02baf")

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** The server session behind a function call instead of RADIUS (the VM has no server). */
class MemoryUplink implements UplinkPort {
    private session: AkaServerSession | null = null

    constructor(
        private readonly ports: MemoryServerPorts,
        private readonly platform: AkaPlatform,
        private readonly method: number,
    ) {}

    async send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> {
        if (state === null) this.session = new AkaServerSession(this.ports, this.platform, { methods: [this.method], networkName: "ACTIVECARD", realm: "r", alwaysAskIdentity: false }, payment, eap[1])
        const s = this.session
        if (s === null) throw new Error("no session")
        const out = await s.handle(eap)
        await this.platform.yieldSlice()
        const r = s.outcome.result
        const kind = out[0] === EAP_SUCCESS ? "accept" : out[0] === EAP_FAILURE ? "reject" : "challenge"
        return { kind: kind, eap: out, state: fromUtf8("s"), responseCode: r !== null ? r.responseCode : "", approvalNumber: r !== null ? r.approvalNumber : "", reason: r !== null ? r.reason : "" }
    }
}

export function apduCases(platform: AkaPlatform): CryptoCase[] {
    const cases: CryptoCase[] = []
    const methods = [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA]
    methods.forEach((method) => {
        cases.push({
            name: (method === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA") + " payment through the card's APDU application and the terminal relay, chaining at 64 bytes",
            run: async () => {
                const ports = new MemoryServerPorts(platform.randomBytes)
                ports.addCard("c0ffee01", K, OPC, 100000)
                const aka: PeerState = { cardId: "c0ffee01", realm: "r", key: milenageKey(K, OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
                const salt = fromHex("00112233445566778899aabbccddeeff")
                const pin: PinRecord = { salt: salt, verifier: pinVerifier(platform.sha256, salt, "2580"), triesLeft: 3, maxTries: 3 }
                const shown: string[] = []
                const ui: CardUi = {
                    showPayment: (p: Payment) => {
                        shown.push("PAY " + p.amount)
                    },
                    showStatus: (t: string) => {
                        shown.push(t)
                    },
                }
                let saves = 0
                const storage: CardStorage = {
                    savePin: async (r: PinRecord) => {
                        saves++
                    },
                    saveAkaState: async (s: PeerState) => {
                        saves++
                    },
                }
                const options = { preferPrime: method === EAP_TYPE_AKA_PRIME, allowAka: true, networkName: "", usePseudonyms: true }
                const applet = new CardApplet(() => new CardSession(aka, pin, options, platform, storage, ui, 0))
                const link: ApduLink = {
                    transceive: async (apdu: Buffer) => {
                        await platform.yieldSlice()
                        return await applet.process(apdu)
                    },
                }
                const relay = new TerminalRelay(new ApduCardPort(link, 64), new MemoryUplink(ports, platform, method), platform.randomBytes)
                const p: Payment = { amount: 12500, currency: 410, installments: 3, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: fromHex("0102030405060708") }
                const outcome = await relay.pay(p, "2580")
                ok(outcome.approved, "terminal outcome: " + outcome.message)
                ok(ports.finalApprovals() === 1, "one final approval")
                ok(shown.length >= 3 && shown[0] === "PAY 12500", "card display: " + shown.join(" | "))
                ok(saves >= 2, "PIN counter and AKA state persisted")
            },
        })
    })
    return cases
}
