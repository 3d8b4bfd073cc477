// The two firmware images the simulator and the hardware rig run: the card's and the terminal's
// entry points compiled once by the DeviceScript compiler, then started in as many VMs (or
// deployed to as many boards) as a run needs.

import { type BuiltProgram, buildProgram } from "../vm/devs-cli"

export interface Firmware {
    card: BuiltProgram
    terminal: BuiltProgram
}

export async function buildFirmware(): Promise<Firmware> {
    const card = await buildProgram("devices/card/main.ts", "card")
    const terminal = await buildProgram("devices/terminal/main.ts", "terminal")
    return { card, terminal }
}
