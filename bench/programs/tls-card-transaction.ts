// The EAP-TLS card's application replaying two recorded payments inside the VM (a full handshake,
// then one resumed with the ticket the first left in flash): a blank card personalized by STORE
// DATA, then every command, each answer checked against the recording. The card's randomness and
// clock are the recording's. Prints the time the card spent on each payment.

import * as ds from "@devicescript/core"
import { ActiveCard } from "../../src/card/active-card"
import { KEY_TICKETS, KEY_TICKETS_TAKEN, KEY_TLS_PROFILE, tlsCard } from "../../src/card/tls-card"
import { KEY_PIN_TRIES } from "../../src/card/card-store"
import { deviceSettings } from "../../devices/common/settings-port"
import { constantTimeEqual, fromHex } from "../../src/bytes"
import { devicePlatform } from "../../devices/common/platform"
import { ANSWERS, COMMANDS, NOW, PERSO, RANDOM_START, RESUMED_FROM, ROUNDS } from "./generated/tls-card-transcript"
import { countingRandom } from "../../test/shared/counting-random"


let full = 0
let resumed = 0
let mismatches = 0
for (let round = 0; round < ROUNDS; round++) {
    // A blank card again: the record's and the tickets' headers emptied read as torn, the card as blank.
    await deviceSettings.write(KEY_TLS_PROFILE, Buffer.alloc(0), true)
    await deviceSettings.write(KEY_TICKETS, Buffer.alloc(0), true)
    await deviceSettings.write(KEY_TICKETS_TAKEN, Buffer.alloc(0), true)
    await deviceSettings.write(KEY_PIN_TRIES, Buffer.alloc(0), true)
    const platform = { hmacSha256: devicePlatform.hmacSha256, sha256: devicePlatform.sha256, randomBytes: countingRandom(RANDOM_START), yieldSlice: devicePlatform.yieldSlice, log: devicePlatform.log }
    const card = new ActiveCard(tlsCard(deviceSettings, platform, () => NOW), { show: (t: string) => {}, led: (c: number) => {} }, 200)
    await card.boot()
    for (let i = 0; i < PERSO.length; i++) await card.process(fromHex(PERSO[i]))
    let t0 = ds.millis()
    for (let i = 0; i < COMMANDS.length; i++) {
        if (i === RESUMED_FROM) {
            full += ds.millis() - t0
            t0 = ds.millis()
        }
        const answer = await card.process(fromHex(COMMANDS[i]))
        if (!constantTimeEqual(answer, fromHex(ANSWERS[i]))) mismatches++
        // Each APDU arrives as its own packet on a device: its own VM slice (the step limit is per slice).
        await ds.sleep(0)
    }
    resumed += ds.millis() - t0
    await ds.sleep(1)
}
console.log("TLS TXN " + full / ROUNDS + " " + resumed / ROUNDS + " " + RESUMED_FROM + " " + (COMMANDS.length - RESUMED_FROM) + " " + mismatches)
ds.restart()
