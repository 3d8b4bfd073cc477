// Asking the holder's card for its signature over a transaction history, over the reader's card
// link (infrared on the boards), as the transaction terminal's signing mode and the vending
// machine both do: wait for the card, SELECT and SIGN HISTORY (chained; ApduCardPort), then
// GET SIGNATURE every pollMs while the holder reads and types the password on the card (6985:
// not yet), until the CMS SignedData comes (9000, in 61xx parts) or the card refuses. A card out
// of sight while the holder types is asked again; '*' on the keypad gives up at every step.
// The failure is a short upper-case text for the display.

import { LinkLostError } from "../link/apdu-link"
import { FormatError } from "../format-error"
import { Response, SW_AUTH_METHOD_BLOCKED, SW_CONDITIONS_NOT_SATISFIED, SW_OK, SW_SECURITY_NOT_SATISFIED, SW_WRONG_DATA, swText } from "../link/apdu"
import { CardReader, Keypad, KEY_CANCEL, TerminalDisplay } from "./terminal-app"

/** The steps the exchange goes through, reported to the caller's state machine. */
export const STEP_WAIT_CARD = 0
export const STEP_SENDING = 1
export const STEP_HOLDER = 2

export interface SignaturePrompts {
    /** While waiting for the card. */
    present: string
    /** While the history goes to the card. */
    sending: string
    /** While the holder signs on the card. */
    holder: string
    /** When the card drops out of sight while the holder signs. */
    outOfSight: string
}

export interface SignatureTiming {
    /** How long the holder may take to present the card, and to sign. */
    promptTimeoutMs: number
    /** How often the card is asked for its signature. */
    pollMs: number
}

export interface SignatureAnswer {
    /** The card's CMS SignedData, or null. */
    cms: Buffer | null
    /** Why there is none: CANCELLED, NO CARD, CARD LOST, BAD ANSWER FROM CARD, ... ("" with a CMS). */
    failure: string
}

function failed(why: string): SignatureAnswer {
    return { cms: null, failure: why }
}

/** The failure for a status word the card ends the exchange with. */
function refusal(sw: number): string {
    if (sw === SW_SECURITY_NOT_SATISFIED) return "WRONG PASSWORD OR CANCELLED"
    if (sw === SW_AUTH_METHOD_BLOCKED) return "SIGNING LOCKED ON CARD"
    return "CARD ERROR " + swText(sw).toUpperCase()
}

/** A lost link or an answer that is no APDU response: anything else is a fault of the program. */
function linkFailure(e: unknown): string {
    if (e instanceof LinkLostError) return "CARD LOST"
    if (e instanceof FormatError) return "BAD ANSWER FROM CARD"
    throw e
}

export async function askSignature(reader: CardReader, keypad: Keypad, display: TerminalDisplay, history: Buffer, timing: SignatureTiming, prompts: SignaturePrompts, step: (s: number) => void): Promise<SignatureAnswer> {
    step(STEP_WAIT_CARD)
    display.show(prompts.present)
    const polls = Math.ceil(timing.promptTimeoutMs / timing.pollMs)
    let found = false
    for (let i = 0; i < polls && !found; i++) {
        found = await reader.waitForCard(timing.pollMs)
        if (!found && (await keypad.nextKey(10)) === KEY_CANCEL) return failed("CANCELLED")
    }
    if (!found) return failed("NO CARD")
    const card = reader.card()

    step(STEP_SENDING)
    display.show(prompts.sending)
    let sw: number
    try {
        sw = await card.signHistory(history)
    } catch (e) {
        return failed(linkFailure(e))
    }
    if (sw === SW_WRONG_DATA) return failed("CARD REFUSED HISTORY")
    if (sw === SW_CONDITIONS_NOT_SATISFIED) return failed("NO CERTIFICATE ON CARD")
    if (sw !== SW_OK) return failed(refusal(sw))

    step(STEP_HOLDER)
    display.show(prompts.holder)
    let lost = false
    for (let i = 0; i < polls; i++) {
        // The wait between polls listens to the keypad: '*' gives up.
        if ((await keypad.nextKey(timing.pollMs)) === KEY_CANCEL) return failed("CANCELLED")
        let r: Response
        try {
            r = await card.getSignature()
        } catch (e) {
            if (!(e instanceof LinkLostError)) return failed(linkFailure(e))
            // Out of sight for a moment (the holder is typing on the card): ask again.
            if (!lost) display.show(prompts.outOfSight)
            lost = true
            continue
        }
        if (lost) display.show(prompts.holder)
        lost = false
        if (r.sw === SW_CONDITIONS_NOT_SATISFIED) continue
        if (r.sw === SW_OK && r.data.length > 0) return { cms: r.data, failure: "" }
        return failed(refusal(r.sw))
    }
    return failed(lost ? "CARD LOST" : "NO SIGNATURE IN TIME")
}
