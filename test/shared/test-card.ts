// A card with a fixed test profile (TS 35.208 test set 1 keys, PIN 2580) behind its APDU
// application, with a display log and counted saves: for tests in Node and in the VM.

import { CardApplet } from "../../src/card/card-applet"
import { CardUi } from "../../src/card/card-session"
import { AkaCardSession, AkaCardStorage } from "../../src/card/aka-card-session"
import { PinRecord, pinVerifier } from "../../src/card/pin"
import { PeerState } from "../../src/eap/aka-peer"
import { AkaPlatform } from "../../src/eap/aka-crypto"
import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { Payment } from "../../src/payment/payment"
import { fromHex } from "../../src/bytes"

export const TEST_K = fromHex("465b5ce8b199b49faa5f0a2ee238a6bc")
export const TEST_OPC = fromHex("cd63cb71954a9f4e48a5994e37a02baf")
export const TEST_CARD_ID = "c0ffee01"
export const TEST_PIN = "2580"

export class TestCard {
    readonly shown: string[] = []
    saves = 0
    readonly applet: CardApplet

    constructor(platform: AkaPlatform, preferPrime: boolean, maxResponse: number) {
        const aka: PeerState = { cardId: TEST_CARD_ID, realm: "r", key: milenageKey(TEST_K, TEST_OPC), sqn: new SqnWindow(), pseudonym: "", reauthId: "", reauth: null }
        const salt = fromHex("00112233445566778899aabbccddeeff")
        const pin: PinRecord = { salt: salt, verifier: pinVerifier(platform.sha256, salt, TEST_PIN), triesLeft: 3, maxTries: 3 }
        const shown = this.shown
        const ui: CardUi = {
            showPayment: (p: Payment) => {
                shown.push("PAY " + p.amount)
            },
            showStatus: (t: string) => {
                shown.push(t)
            },
        }
        const self = this
        const storage: AkaCardStorage = {
            savePin: async (r: PinRecord) => {
                self.saves++
            },
            saveAkaState: async (s: PeerState) => {
                self.saves++
            },
        }
        const options = { preferPrime: preferPrime, allowAka: true, networkName: "", usePseudonyms: true }
        this.applet = new CardApplet(() => new AkaCardSession(aka, pin, options, platform, storage, ui, 0), maxResponse)
    }
}
