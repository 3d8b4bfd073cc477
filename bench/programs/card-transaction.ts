// The card firmware's application replaying a recorded EAP-AKA' payment inside the VM: a blank
// card personalized by STORE DATA, then every command of the transaction, each answer checked
// against the recording. Prints the time the card spent per transaction; with FILL_AFTER set, fills
// the heap after that command instead (the heap the card holds at that point).

import * as ds from "@devicescript/core"
import { ActiveCard } from "../../src/card/active-card"
import { SettingsPort } from "../../src/card/card-store"
import { constantTimeEqual, fromHex } from "../../src/bytes"
import { devicePlatform } from "../../devices/common/platform"
import { fillHeap } from "./heap-fill"
import { ANSWERS, COMMANDS, FILL_AFTER, PERSO, ROUNDS } from "./generated/card-transcript"

class RamSettings implements SettingsPort {
    private readonly keys: string[] = []
    private readonly values: Buffer[] = []

    async read(key: string): Promise<Buffer | null> {
        const i = this.keys.indexOf(key)
        return i >= 0 && this.values[i].length > 0 ? this.values[i] : null
    }

    async write(key: string, value: Buffer): Promise<void> {
        const i = this.keys.indexOf(key)
        if (i >= 0) this.values[i] = value
        else {
            this.keys.push(key)
            this.values.push(value)
        }
    }
}

const commands: Buffer[] = []
const answers: Buffer[] = []
COMMANDS.forEach((h) => commands.push(fromHex(h)))
ANSWERS.forEach((h) => answers.push(fromHex(h)))

let total = 0
let mismatches = 0
for (let round = 0; round < ROUNDS; round++) {
    const card = new ActiveCard(new RamSettings(), devicePlatform, { show: (t: string) => {}, led: (c: number) => {} }, 200)
    await card.boot()
    for (let i = 0; i < PERSO.length; i++) await card.process(fromHex(PERSO[i]))
    if (FILL_AFTER === -2) await fillHeap()
    const t0 = ds.millis()
    for (let i = 0; i < commands.length; i++) {
        const answer = await card.process(commands[i])
        if (!constantTimeEqual(answer, answers[i])) mismatches++
        if (i === FILL_AFTER) await fillHeap()
    }
    total += ds.millis() - t0
    await ds.sleep(1)
}
console.log("CARD TXN " + total / ROUNDS + " " + commands.length + " " + mismatches)
