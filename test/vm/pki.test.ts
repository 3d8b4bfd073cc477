// Compiles test/vm/programs/pki.ts with the real DeviceScript compiler and runs the bytecode in the
// real VM (test mode: GC stress on): the DER cases, and the CMP enrolment and CMS signature with
// fixed inputs, whose bytes must equal what the same code made in Node against the real CA.

import { describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildProgram, ROOT, runTestMode } from "../../sim/vm/devs-cli"
import { CaServer } from "../../sim/ca/ca-server"
import { functionBytesBySource } from "../../bench/bytecode-size"
import { pkiCmpCases, pkiDerCases } from "../shared/pki-cases"
import { makePkiVectors, nodeCmpPlatform, writePkiVectorsModule } from "../support/pki-vectors"
import { declareVmCases } from "../support/vm-cases"

const dir = mkdtempSync(join(tmpdir(), "activecard-pki-vm-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const vectors = await makePkiVectors(ca)
await ca.stop()
rmSync(dir, { recursive: true, force: true })
writePkiVectorsModule(join(ROOT, "test/vm/programs/generated/pki-vectors.ts"), vectors)
// The shared cases plus the timed one.
const expected = pkiDerCases().length + pkiCmpCases(vectors, { platform: nodeCmpPlatform }).length + 1

const program = await buildProgram("test/vm/programs/pki.ts", "pki")
const run = await runTestMode(program, 600_000)
const der = functionBytesBySource(program, ["src/asn1/"])
const cmp = functionBytesBySource(program, ["src/certificate/cmp-client"])
const cms = functionBytesBySource(program, ["src/certificate/cms-signed-data"])
const times = run.lines.filter((l) => l.startsWith("VMTIME ")).map((l) => l.slice(7))

describe(`PKI encoding inside the DeviceScript VM (image ${program.imageBytes} bytes; bytecode der ${der}, cmp-client ${cmp}, cms ${cms}; ms ${times.join(", ")})`, () => {
    declareVmCases(run, expected)
    test("the modules' bytecode was attributed", () => {
        expect(der).toBeGreaterThan(0)
        expect(cmp).toBeGreaterThan(0)
        expect(cms).toBeGreaterThan(0)
    })
})
