// The terminal's firmware image, built with its version pinned, hashes to the value recorded in
// devices/terminal/image.sha256: authentication methods change on the card and the server, and
// the terminal that relays their EAP stays byte for byte the same (sim/terminal-image.ts).

import { describe, expect, test } from "vitest"
import { recordedTerminalHash, terminalImageHash } from "../../sim/terminal-image"

describe("the terminal image", () => {
    test("is byte for byte the one recorded in devices/terminal/image.sha256", async () => {
        const hash = await terminalImageHash()
        expect(hash, "a deliberate change to the terminal records its new hash: npm run terminal-hash -- --record").toBe(recordedTerminalHash())
    }, 180_000)
})
