// The device's flash settings (@devicescript/settings) as the portable SettingsPort. A verified
// write is read back before it counts: the settings service answers in order, so the read-back
// proves the value reached flash (the PIN try counter and the SQN window rely on this).

import * as ds from "@devicescript/core"
import { settings } from "@devicescript/settings"
import { SettingsPort } from "../../src/card/card-store"
import { constantTimeEqual } from "../../src/bytes"

/** How long a read waits for the settings service's answer before asking again, and how many times it asks. */
const READ_WAIT_MS = 1000
const READ_TRIES = 3

async function read(key: string): Promise<Buffer | null> {
    // The answer is caught by a handler subscribed before the question leaves, which wakes the
    // reader only once it waits: ds.actionReport resumes its fiber even before then, which loses
    // the answer and leaves the fiber waiting for ever.
    const code = settings.spec.lookup("get").code
    const reader = ds.Fiber.self()
    let answered = false
    let value = null as Buffer | null
    const unsubscribe = settings.report().subscribe(async (p: ds.Packet) => {
        if (p.serviceCommand === code && p.decode()[0] === key) {
            value = p.decode()[1]
            answered = true
            if (reader.suspended) reader.resume(null)
        }
    })
    try {
        for (let tries = 0; !answered && tries < READ_TRIES; tries++) {
            await settings.get(key)
            if (!answered) await ds.suspend(READ_WAIT_MS)
        }
    } finally {
        unsubscribe()
    }
    if (!answered) throw new Error("flash read of " + key + " got no answer")
    return value && value.length > 0 ? value : null
}

async function write(key: string, value: Buffer, verify: boolean): Promise<void> {
    await settings.set(key, value)
    if (!verify) return
    const back = await read(key)
    const ok = back === null ? value.length === 0 : constantTimeEqual(back, value)
    if (!ok) throw new Error("flash write of " + key + " did not persist")
}

export const deviceSettings: SettingsPort = { read: read, write: write }

/** A setting as text ("" when missing): terminal configuration. */
export async function readText(key: string): Promise<string> {
    const b = await read(key)
    return b === null ? "" : b.toString("utf8")
}
