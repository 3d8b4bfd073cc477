// The offline vending machine driven the way a customer does it (the simulator started with
// `certificates` and `vending`, the card enrolled):
//   buyAtMachine   the slot and `#` on the machine's keypad; the card held up to the machine's
//                  infrared port; the holder pages through the challenge on the card with `#` and
//                  types the password (holderSigns); the machine's outcome: TAKE YOUR ITEM, or
//                  the reason and NOTHING DISPENSED, or SALE UNCONFIRMED after a power cut
// It returns what both displays showed and how many items the relay dispensed; nothing it
// prints carries the password.

import type { Simulator } from "./simulator"
import type { VendingBoard } from "./boards"
import { holderSigns, waitShown, type CardSigning } from "./certificate-flows"

/** The machine's outcome is on its display: dispensed, refused (with the reason above), or unconfirmed. */
export const MACHINE_OVER = /^TAKE YOUR ITEM|NOTHING DISPENSED|SALE UNCONFIRMED/
const oneLine = (t: string) => t.replace(/\n/g, " | ")

export interface PurchaseRequest {
    /** The slot's key on the machine's keypad. */
    slot: number
    /** The card's signing password (null: the holder cancels on the card). */
    password: string | null
    /** Takes the card out of the machine's sight at the first matching field message. */
    pullWhen?: (what: string) => boolean
    /** Cuts the machine's power the moment its relay is energized, and powers it on again. */
    powerCutWhenDispensing?: boolean
    timeoutMs?: number
}

export interface Purchase extends CardSigning {
    /** The machine's last text: the item to take, or why nothing was dispensed. */
    machine: string
    /** Every text the machine's display showed from the slot key on. */
    machineShown: string[]
    /** Items the relay dispensed during the purchase. */
    dispensed: number
    /** From the holder's confirmation on the card (the password's last digit shown) to the relay energized, or null. */
    confirmToDispenseMs: number | null
    /** What crossed the infrared line during the purchase, a message each (for a failure's message). */
    field: string[]
}

function machineOf(sim: Simulator): VendingBoard {
    const v = sim.vending
    if (v === null) throw new Error("the simulator runs without the vending machine (start it with vending: true)")
    return v
}

/** The machine at its item list: a key clears an outcome still shown. */
async function atIdle(sim: Simulator, v: VendingBoard, timeoutMs: number): Promise<void> {
    if (/^SELECT ITEM/.test(v.display.text)) return
    const since = v.display.shown.length
    await sim.vendingKeys("*")
    await v.display.waitFor(/^SELECT ITEM/, timeoutMs, since, "the vending machine did not come back to its items", () => v.display.describe(since))
}

/** One purchase at the vending machine, from its item list to its outcome. */
export async function buyAtMachine(sim: Simulator, req: PurchaseRequest): Promise<Purchase> {
    const v = machineOf(sim)
    const timeout = req.timeoutMs ?? 180_000
    const d = v.display
    await atIdle(sim, v, 30_000)
    const before = v.relay.activations
    const since = d.shown.length
    let cut: Promise<void> | null = null
    let cutFailed = ""
    if (req.powerCutWhenDispensing) {
        v.relay.onChange = (on) => {
            if (on && cut === null) {
                cut = sim.rebootVending()
                cut.catch((e: Error) => (cutFailed = e.message))
            }
        }
    }
    // A failure's message: the machine's last lines, and a restart after the power cut that failed.
    const machineDetail = () => (cutFailed !== "" ? "\nthe restart after the power cut failed: " + cutFailed : "") + "\nmachine VM, last lines:\n" + (v.device?.output().trimEnd().split("\n").slice(-20).join("\n") ?? "(off)")
    const card = sim.cardDisplay
    const cardSince = card.shown.length
    const fieldSince = sim.fieldLines().length
    let signing: CardSigning = { pages: [], result: "" }
    let walkedAway = false
    try {
        // A key pressed while the machine does not scan its keypad (busy just after a boot) goes
        // unread, as on a real keypad: the holder presses again.
        for (let press = 1; ; press++) {
            await sim.vendingKeys(String(req.slot))
            const last = press === 3
            try {
                await d.waitFor(/# BUY/, last ? timeout : 20_000, since, `the machine did not offer slot ${req.slot}`, () => d.describe(since))
                break
            } catch (e) {
                if (last) throw e
            }
        }
        await sim.vendingKeys("#")
        const asked = await waitShown(d, (t) => /^POINT CARD AT IR/.test(t) || MACHINE_OVER.test(t), timeout, since, "the machine never asked for the card")
        if (/^POINT CARD AT IR/.test(d.shown[asked])) {
            sim.pullWhen(req.pullWhen ?? null)
            sim.moveCardTo("vending")
            const done = waitShown(d, (t) => MACHINE_OVER.test(t), timeout, asked, "the machine never decided", undefined, machineDetail)
            // The holder signs unless the machine ends first (a card taken out of sight).
            const holder = holderSigns(sim, req.password, cardSince, timeout, () => walkedAway).catch((e: Error) => ({ pages: [], result: "(" + e.message.split("\n")[0] + ")" }))
            const first = await Promise.race([done.then(() => "machine" as const), holder.then(() => "card" as const)])
            if (first === "card") signing = await holder
            await done
            if (first === "machine") signing = await Promise.race([holder, new Promise<CardSigning>((r) => setTimeout(() => r({ pages: [], result: card.last ?? "" }), 5000))])
        }
        if (cut !== null) await cut
        // After a power cut the machine's display starts over: its notice comes once it booted.
        const over = await waitShown(d, (t) => MACHINE_OVER.test(t), timeout, since, "the machine showed no outcome", undefined, machineDetail)
        const shown = d.shown.slice(since)
        return { ...signing, machine: d.shown[over], machineShown: [...shown], dispensed: v.relay.activations - before, confirmToDispenseMs: confirmToDispense(sim, cardSince, v, before), field: sim.fieldLines().slice(fieldSince).map((l) => l.from + ": " + l.what) }
    } finally {
        walkedAway = true
        v.relay.onChange = () => {}
        sim.pullWhen(null)
        sim.pull()
    }
}

/** The relay's first energizing after the holder's last password digit appeared on the card, in ms; null when nothing was dispensed. */
function confirmToDispense(sim: Simulator, cardSince: number, v: VendingBoard, before: number): number | null {
    const onAt = v.relay.lastOnAt
    if (v.relay.activations === before || onAt === null) return null
    const card = sim.cardDisplay
    let typed: number | null = null
    for (let i = cardSince; i < card.shown.length; i++) if (/^PASSWORD\?/.test(card.shown[i])) typed = card.shownAt(i)
    return typed === null ? null : onAt - typed
}

/** The purchase in one line (no password: only displays and counts). */
export function describePurchase(p: Purchase): string {
    return `machine: ${oneLine(p.machine)}; card: ${oneLine(p.result)}; dispensed ${p.dispensed}`
}
