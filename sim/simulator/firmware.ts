// The firmware images the simulator and the hardware rig run: the card's and the terminal's entry
// points (and the vending machine's, when asked) compiled once by the DeviceScript compiler, then
// started in as many VMs (or deployed to as many boards) as a run needs.

import { type BuiltProgram, buildProgram } from "../vm/devs-cli"

export interface Firmware {
    card: BuiltProgram
    terminal: BuiltProgram
    /** build/devs/vending.devs, for a simulator with the vending machine. */
    vending?: BuiltProgram
}

export async function buildFirmware(options: { vending?: boolean } = {}): Promise<Firmware> {
    const card = await buildProgram("devices/card/main.ts", "card")
    const terminal = await buildProgram("devices/terminal/main.ts", "terminal")
    if (!options.vending) return { card, terminal }
    const vending = await buildProgram("devices/vending/main.ts", "vending")
    return { card, terminal, vending }
}
