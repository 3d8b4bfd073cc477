// The card firmware's application replaying a recorded EAP-AKA' payment inside the VM: a blank
// card personalized by STORE DATA, then every command of the transaction, each answer checked
// against the recording. Prints the time the card spent per transaction. With BALLAST set, that
// many 256-byte buffers are held first: the benchmark finds the most ballast under which the card
// still completes, which bounds the card's peak heap (transients included).

import * as ds from "@devicescript/core"
import { ActiveCard } from "../../src/card/active-card"
import { akaCard } from "../../src/card/aka-card"
import { KEY_PIN_TRIES, KEY_PROFILE, KEY_PSEUDONYM, KEY_REAUTH, KEY_SQN } from "../../src/card/card-store"
import { deviceSettings } from "../../devices/common/settings-port"
import { constantTimeEqual, fromHex } from "../../src/bytes"
import { devicePlatform } from "../../devices/common/platform"
import { ANSWERS, BALLAST, COMMANDS, PERSO, ROUNDS } from "./generated/card-transcript"

const ballast: Buffer[] = []
for (let i = 0; i < BALLAST; i++) {
    ballast.push(Buffer.alloc(256))
    if (i % 50 === 0) await ds.sleep(0)
}

const STORED_KEYS = [KEY_PROFILE, KEY_PIN_TRIES, KEY_SQN, KEY_PSEUDONYM, KEY_REAUTH]

// The transcript stays hex (flash literals) and is decoded one APDU at a time, so that the heap
// measured is the card's, not the recording's.
let total = 0
let mismatches = 0
for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < STORED_KEYS.length; k++) await deviceSettings.write(STORED_KEYS[k], Buffer.alloc(0), true) // a blank card again
    const card = new ActiveCard(akaCard(deviceSettings, devicePlatform), { show: (t: string) => {}, led: (c: number) => {} }, 200)
    await card.boot()
    for (let i = 0; i < PERSO.length; i++) await card.process(fromHex(PERSO[i]))
    const t0 = ds.millis()
    for (let i = 0; i < COMMANDS.length; i++) {
        const answer = await card.process(fromHex(COMMANDS[i]))
        if (!constantTimeEqual(answer, fromHex(ANSWERS[i]))) mismatches++
        // Each APDU arrives as its own packet on a device: its own VM slice (the step limit is per slice).
        await ds.sleep(0)
    }
    total += ds.millis() - t0
    await ds.sleep(1)
}
console.log("CARD TXN " + total / ROUNDS + " " + COMMANDS.length + " " + mismatches + " " + ballast.length)
// Ends the run in test mode (a restart ends `devs run --test`); on the bus the benchmark has read the line by then.
ds.restart()
