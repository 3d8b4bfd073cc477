// Flash settings in memory for Node tests of the card application: survives "reboots" (a new
// ActiveCard over the same object) and counts writes per key.

import { SettingsPort } from "../../src/card/card-store"

export class MemorySettings implements SettingsPort {
    readonly values = new Map<string, Buffer>()
    readonly writes: string[] = []
    /** Keys written with verification (read back before the card goes on). */
    readonly verified: string[] = []

    async read(key: string): Promise<Buffer | null> {
        const v = this.values.get(key)
        return v !== undefined && v.length > 0 ? Buffer.from(v) : null
    }

    async write(key: string, value: Buffer, verify: boolean): Promise<void> {
        if (key.length > 13) throw new RangeError("settings keys are at most 13 characters")
        if (value.length > 200) throw new RangeError(`setting ${key} is ${value.length} bytes: over the 200 the device takes`)
        this.writes.push(key)
        if (verify) this.verified.push(key)
        this.values.set(key, Buffer.from(value))
    }
}
