// The device's flash settings (@devicescript/settings) as the portable SettingsPort. A verified
// write is read back before it counts: the settings service answers in order, so the read-back
// proves the value reached flash (the PIN try counter and the SQN window rely on this).

import * as ds from "@devicescript/core"
import { settings } from "@devicescript/settings"
import { SettingsPort } from "../../src/card/card-store"
import { constantTimeEqual } from "../../src/bytes"

async function read(key: string): Promise<Buffer | null> {
    const pkt = await ds.actionReport(
        settings,
        "get",
        async () => {
            await settings.get(key)
        },
        (p: ds.Packet) => p.decode()[0] === key,
    )
    const value: Buffer = pkt.decode()[1]
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
