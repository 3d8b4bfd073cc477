// The vending machine's items as its settings list them, its machine ID and the nonce of each
// sale, and the challenge for one sale in the format of challenge.ts. Portable and pure.

import { FormatError } from "../format-error"
import { fromHex, toHex } from "../bytes"
import { buildChallenge, NONCE_BYTES } from "./challenge"

/** The highest price a slot takes, in won. */
export const MAX_PRICE = 999999999

export interface VendingItem {
    /** The keypad digit that selects it, 1-9. */
    slot: number
    /** 1-20 printable ASCII, no leading or trailing space: what the holder reads on the card. */
    name: string
    /** In minor units of the machine's currency. */
    price: number
}

/** What a machine sells when its settings list nothing (`vend.slots`). */
export const DEFAULT_SLOTS = "1:1500:COLA;2:1500:CIDER;3:1200:WATER;4:2000:COFFEE"

function checkName(s: string, max: number, what: string): void {
    if (s.length < 1 || s.length > max) throw new FormatError(what + " must be 1.." + max + " characters")
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c < 0x20 || c > 0x7e) throw new FormatError(what + " has a character that is not printable ASCII")
    }
    if (s.charCodeAt(0) === 0x20 || s.charCodeAt(s.length - 1) === 0x20) throw new FormatError(what + " starts or ends with a space")
}

/** A machine ID: 1-24 of A-Z 0-9 and '-' (so that "VENDING <id>" fits the history's BY field). */
export function checkMachineId(id: string): void {
    checkName(id, 24, "machine ID")
    for (let i = 0; i < id.length; i++) {
        const c = id.charCodeAt(i)
        if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) throw new FormatError("machine ID has a character out of A-Z 0-9 -")
    }
}

function isDigits(s: string): boolean {
    if (s.length < 1 || s.length > 9) return false
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x30 || s.charCodeAt(i) > 0x39) return false
    return true
}

/** Items from their settings text: `slot:price:name` entries joined by ';', slots 1-9, each once. */
export function parseSlots(text: string): VendingItem[] {
    const items: VendingItem[] = []
    const entries = text.split(";")
    for (let i = 0; i < entries.length; i++) {
        const e = entries[i]
        const a = e.indexOf(":")
        const b = a < 0 ? -1 : e.indexOf(":", a + 1)
        if (b < 0) throw new FormatError("slot entry " + (i + 1) + " is not slot:price:name")
        const slot = e.slice(0, a)
        const price = e.slice(a + 1, b)
        if (slot.length !== 1 || !isDigits(slot) || slot === "0") throw new FormatError("slot must be one digit 1-9")
        if (!isDigits(price) || parseInt(price) < 1 || parseInt(price) > MAX_PRICE) throw new FormatError("price of slot " + slot + " is out of range")
        checkName(e.slice(b + 1), 20, "name of slot " + slot)
        for (let j = 0; j < items.length; j++) if (items[j].slot === parseInt(slot)) throw new FormatError("slot " + slot + " listed twice")
        items.push({ slot: parseInt(slot), name: e.slice(b + 1), price: parseInt(price) })
    }
    return items
}

/** A fresh nonce: 96 random bits as 24 lower-case hex digits. */
export function newNonce(randomBytes: (n: number) => Buffer): string {
    return toHex(randomBytes(NONCE_BYTES))
}

/** The challenge's bytes (challenge.ts); FormatError for a machine ID or item outside the format. */
export function vendingChallenge(nonce: string, machineId: string, atSeconds: number, item: VendingItem): Buffer {
    checkMachineId(machineId)
    checkName(item.name, 20, "item name")
    return buildChallenge({ machineId: machineId, slot: "" + item.slot, item: item.name, price: item.price }, atSeconds, fromHex(nonce))
}
