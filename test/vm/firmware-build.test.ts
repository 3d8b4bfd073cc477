// Every firmware entry point compiles with the real DeviceScript compiler (its type checker
// included): the second compiler that src/ must satisfy, next to Node's strict tsc.

import { describe, expect, test } from "vitest"
import { buildProgram } from "../../sim/vm/devs-cli"
import { firmwareEntries } from "../../sim/build-firmware"

describe("firmware builds with devs build", () => {
    const entries = firmwareEntries()
    test("there is at least one firmware entry point", () => expect(entries.length).toBeGreaterThan(0))
    for (const entry of entries) {
        test(entry, async () => {
            const p = await buildProgram(entry, "test-" + entry.split("/")[1])
            expect(p.imageBytes).toBeGreaterThan(1000)
        }, 120_000)
    }
})
