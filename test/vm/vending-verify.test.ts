// Compiles test/vm/programs/vending-verify.ts with the real DeviceScript compiler and runs it in
// the real VM (test mode: GC stress on): verifySale on the cases made in Node with the real CA
// must give the same answers over the bytecode crypto.

import { describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { functionBytesBySource } from "../../bench/bytecode-size"
import { CaServer } from "../../sim/ca/ca-server"
import { buildProgram, ROOT, runTestMode } from "../../sim/vm/devs-cli"
import { makeVendingFixtures, writeVendingFixturesModule } from "../support/vending-fixtures"
import { declareVmCases } from "../support/vm-cases"

const dir = mkdtempSync(join(tmpdir(), "activecard-vending-vm-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const other = await CaServer.start({ dataDir: join(dir, "other"), port: 0, log: () => {} })
const fixtures = await makeVendingFixtures(ca, other)
await ca.stop()
await other.stop()
rmSync(dir, { recursive: true, force: true })
writeVendingFixturesModule(join(ROOT, "test/vm/programs/generated/vending-fixtures.ts"), fixtures)

const program = await buildProgram("test/vm/programs/vending-verify.ts", "vending-verify")
const run = await runTestMode(program, 900_000)
const vending = functionBytesBySource(program, ["src/vending/"])
const times = run.lines.filter((l) => l.startsWith("VMTIME ")).map((l) => l.slice(7))

describe(`vending verification inside the DeviceScript VM (image ${program.imageBytes} bytes; bytecode src/vending ${vending}; ms ${times.join(", ")})`, () => {
    declareVmCases(run, fixtures.cases.length + 3)
    test("the module's bytecode was attributed", () => {
        expect(vending).toBeGreaterThan(0)
    })
})
