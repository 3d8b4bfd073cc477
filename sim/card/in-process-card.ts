// A card running in the Node process (protocol flows, benchmark): the real card logic
// (AkaCardSession over AkaPeer) behind the terminal's CardPort, with a flash image that survives a
// simulated reboot and a switch to pull the card out of the field.

import { milenageKey } from "../../src/crypto/milenage"
import { SqnWindow } from "../../src/crypto/sqn"
import { CardUi } from "../../src/card/card-session"
import { AkaCardSession, AkaCardStorage } from "../../src/card/aka-card-session"
import { PIN_LOCKED, PIN_OK, PinRecord } from "../../src/card/pin"
import { PeerOptions, PeerState } from "../../src/eap/aka-peer"
import { Payment } from "../../src/payment/payment"
import { CardPort, PIN_ANSWER_LOCKED, PIN_ANSWER_OK, PIN_ANSWER_WRONG } from "../../src/terminal/terminal-relay"
import { ApduLink, LinkLostError } from "../../src/link/apdu-link"
import { CardApplet } from "../../src/card/card-applet"
import { nodeAkaPlatform } from "../node-platform"
import type { CardProfile } from "../server/provision"

/** What the card keeps in flash, as JSON (hex for bytes). */
export interface CardFlash {
    profile: CardProfile
    pseudonym: string
    reauth: null | { id: string; method: number; counter: number; kEncr: string; kAut: string; reauthKey: string }
}

const DISPLAY_LINES = 32

export class InProcessCard implements CardPort {
    /** Set to true to pull the card out of the field: every command then fails. */
    removed = false
    /** What the card showed, oldest first (the last DISPLAY_LINES lines). */
    readonly display: string[] = []
    private session: AkaCardSession | null = null
    private aka: PeerState
    private pin: PinRecord
    /** Made once per card, not per transaction. */
    private readonly cardStorage: AkaCardStorage
    private readonly cardUi: CardUi

    constructor(
        readonly flash: CardFlash,
        private readonly options: PeerOptions = { preferPrime: true, allowAka: true, networkName: "", usePseudonyms: true },
    ) {
        const p = flash.profile
        this.aka = {
            cardId: p.cardId,
            realm: p.realm,
            key: milenageKey(Buffer.from(p.k, "hex"), Buffer.from(p.opc, "hex")),
            sqn: new SqnWindow(p.seqMs),
            pseudonym: flash.pseudonym,
            reauthId: flash.reauth ? flash.reauth.id : "",
            reauth: flash.reauth
                ? { method: flash.reauth.method, counter: flash.reauth.counter, kEncr: Buffer.from(flash.reauth.kEncr, "hex"), kAut: Buffer.from(flash.reauth.kAut, "hex"), reauthKey: Buffer.from(flash.reauth.reauthKey, "hex") }
                : null,
        }
        this.pin = { salt: Buffer.from(p.pin.salt, "hex"), verifier: Buffer.from(p.pin.verifier, "hex"), triesLeft: p.pin.triesLeft, maxTries: p.pin.maxTries }
        this.cardStorage = this.storage()
        this.cardUi = this.ui()
    }

    static fromProfile(profile: CardProfile, options?: PeerOptions): InProcessCard {
        return new InProcessCard({ profile: JSON.parse(JSON.stringify(profile)), pseudonym: "", reauth: null }, options)
    }

    /** A power cycle: a new card object from the same flash. */
    reboot(): InProcessCard {
        return new InProcessCard(JSON.parse(JSON.stringify(this.flash)), this.options)
    }

    private storage(): AkaCardStorage {
        return {
            savePin: async (r) => {
                this.flash.profile.pin.triesLeft = r.triesLeft
            },
            saveAkaState: async (s) => {
                this.flash.profile.seqMs = s.sqn.seqMs.slice()
                this.flash.pseudonym = s.pseudonym
                this.flash.reauth = s.reauth
                    ? { id: s.reauthId, method: s.reauth.method, counter: s.reauth.counter, kEncr: s.reauth.kEncr.toString("hex"), kAut: s.reauth.kAut.toString("hex"), reauthKey: s.reauth.reauthKey.toString("hex") }
                    : null
            },
        }
    }

    private ui(): CardUi {
        return {
            showPayment: (p) => this.show(`PAY ${p.amount} (${p.currency}) x${p.installments} AT ${p.merchantId}`),
            showStatus: (t) => this.show(t),
        }
    }

    /** Keeps the last DISPLAY_LINES lines: a card that pays thousands of times (benchmark) does not hoard them. */
    private show(line: string): void {
        this.display.push(line)
        if (this.display.length > DISPLAY_LINES) this.display.shift()
    }

    private present(): void {
        if (this.removed) throw new LinkLostError("card removed from the field")
    }

    private newSession(): AkaCardSession {
        return new AkaCardSession(this.aka, this.pin, this.options, nodeAkaPlatform, this.cardStorage, this.cardUi, this.flash.profile.noPinLimit)
    }

    async offer(p: Payment): Promise<void> {
        this.present()
        this.session = this.newSession()
        this.session.offer(p)
    }

    /**
     * The same card behind its APDU application, reached through a simulated field: the terminal
     * talks ISO 7816-4 to it (ApduCardPort) exactly as it would through a PN532.
     */
    apduLink(): ApduLink {
        const applet = new CardApplet(() => {
            const s = this.newSession()
            this.session = s
            return s
        })
        return {
            transceive: async (apdu: Buffer) => {
                if (this.removed) {
                    applet.reset()
                    throw new LinkLostError("card removed from the field")
                }
                return await applet.process(apdu)
            },
        }
    }

    async pinRequired(): Promise<boolean> {
        this.present()
        return this.session !== null && this.session.pinRequired()
    }

    async verifyPin(pin: string): Promise<{ answer: number; triesLeft: number }> {
        this.present()
        if (this.session === null) throw new LinkLostError("no transaction in progress")
        const r = await this.session.verifyPin(pin)
        return { answer: r === PIN_OK ? PIN_ANSWER_OK : r === PIN_LOCKED ? PIN_ANSWER_LOCKED : PIN_ANSWER_WRONG, triesLeft: this.pin.triesLeft }
    }

    async eap(request: Buffer): Promise<Buffer | null> {
        this.present()
        if (this.session === null) throw new LinkLostError("no transaction in progress")
        return await this.session.eap(request)
    }

    get lastResult() {
        return this.session !== null && this.session.peer !== null ? this.session.peer.outcome.result : null
    }
}
