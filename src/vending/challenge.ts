// The vending machine's challenge: a canonical transaction history (src/certificate/
// transaction-history.ts) that the card shows and signs, binding a fresh nonce, the machine, its
// clock and the item sold:
//
//   ACTIVECARD HISTORY 1
//   ID <24 hex digits: 96 random bits, fresh for each sale>
//   BY VENDING <machine id>
//   AT <the machine's RTC time, YYYY-MM-DDTHH:MM:SSZ>
//   - ITEM <slot> <name>
//   - PRICE <amount> KRW
//
// There is no FOR line: the machine cannot know the holder, whom the certificate names. The
// machine keeps the bytes it sent and accepts only a signature over exactly these bytes.

import { fromUtf8, toHex } from "../bytes"
import { derTime } from "../asn1/der"
import { HISTORY_MAGIC } from "../certificate/transaction-history"
import { FormatError } from "../format-error"

export const NONCE_BYTES = 12

export interface SaleOffer {
    /** The machine's id, 1-24 printable characters ("VM000001"). */
    machineId: string
    /** The slot on the keypad, 1-4 digits. */
    slot: string
    /** The item's name, printable, no leading or trailing space. */
    item: string
    /** Whole KRW, 0..999,999,999. */
    price: number
}

/** `s` is min..max printable ASCII characters (digits only when `digits`), no edge space. */
function checkField(s: string, min: number, max: number, digits: boolean, what: string): void {
    if (s.length < min || s.length > max) throw new FormatError(what + " must be " + min + ".." + max + " characters")
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (digits ? c < 0x30 || c > 0x39 : c < 0x20 || c > 0x7e) throw new FormatError(what + " has a character out of its set")
    }
    if (s.charCodeAt(0) === 0x20 || s.charCodeAt(s.length - 1) === 0x20) throw new FormatError(what + " starts or ends with a space")
}

/** `seconds` since 1970 as YYYY-MM-DDTHH:MM:SSZ (from the GeneralizedTime's digits). */
export function isoTime(seconds: number): string {
    if (seconds < 0 || seconds > 253402300799 || Math.floor(seconds) !== seconds) throw new FormatError("time out of range")
    const g = derTime(seconds, false).slice(2).toString("utf8")
    return g.slice(0, 4) + "-" + g.slice(4, 6) + "-" + g.slice(6, 8) + "T" + g.slice(8, 10) + ":" + g.slice(10, 12) + ":" + g.slice(12, 14) + "Z"
}

/** The challenge bytes for `offer` at `nowSeconds` with the 12 random bytes `nonce`. */
export function buildChallenge(offer: SaleOffer, nowSeconds: number, nonce: Buffer): Buffer {
    if (nonce.length !== NONCE_BYTES) throw new FormatError("the nonce must be " + NONCE_BYTES + " bytes")
    checkField(offer.machineId, 1, 24, false, "machine id")
    checkField(offer.slot, 1, 4, true, "slot")
    const price = offer.price
    if (price < 0 || price > 999999999 || Math.floor(price) !== price) throw new FormatError("price out of range")
    // "- ITEM " + slot + " " + name fits the history's 64-character text line.
    checkField(offer.item, 1, 64 - 6 - offer.slot.length, false, "item name")
    const s = HISTORY_MAGIC + "\nID " + toHex(nonce) + "\nBY VENDING " + offer.machineId + "\nAT " + isoTime(nowSeconds) + "\n- ITEM " + offer.slot + " " + offer.item + "\n- PRICE " + price + " KRW\n"
    return fromUtf8(s)
}
