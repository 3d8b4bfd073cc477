// The firmware images the simulator and the hardware rig run: the card's (EAP-AKA/AKA' or EAP-TLS)
// and the terminal's entry points (and the vending machine's, when asked) compiled once by the DeviceScript compiler, then
// started in as many VMs (or deployed to as many boards) as a run needs.

import { type BuiltProgram, buildProgram } from "../vm/devs-cli"

export type CardMethod = "aka" | "tls"

export interface Firmware {
    /** The card image: EAP-AKA/AKA' unless built with cardMethod "tls". */
    card: BuiltProgram
    cardMethod?: CardMethod
    terminal: BuiltProgram
    /** build/devs/vending.devs, for a simulator with the vending machine. */
    vending?: BuiltProgram
}

/** `cardMethod`: the card image's EAP method family (devices/card for EAP-AKA/AKA', devices/card-tls for EAP-TLS). */
export async function buildFirmware(options: { vending?: boolean; cardMethod?: CardMethod } = {}): Promise<Firmware> {
    const card = options.cardMethod === "tls" ? await buildProgram("devices/card-tls/main.ts", "card-tls") : await buildProgram("devices/card/main.ts", "card")
    const terminal = await buildProgram("devices/terminal/main.ts", "terminal")
    const cardMethod = options.cardMethod ?? "aka"
    if (!options.vending) return { card, terminal, cardMethod }
    const vending = await buildProgram("devices/vending/main.ts", "vending")
    return { card, terminal, vending, cardMethod }
}
