// The committed fixed-base table (src/crypto/edwards25519-base-table.ts) is what its generator
// computes with @noble/curves: a stale or hand-edited table fails here.

import { expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ROOT } from "../../sim/vm/devs-cli"
import { baseTableModule } from "../../sim/crypto/ed25519-base-table"
import { BASE_TABLE, BASE_TABLE_PASSES } from "../../src/crypto/edwards25519-base-table"

test("the committed base table equals the generator's output", () => {
    expect(readFileSync(join(ROOT, "src/crypto/edwards25519-base-table.ts"), "utf8")).toBe(baseTableModule())
    expect(BASE_TABLE.length).toBe((64 / BASE_TABLE_PASSES) * 8 * 96)
})
