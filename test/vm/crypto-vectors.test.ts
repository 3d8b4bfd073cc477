// Compiles test/vm/programs/crypto-vectors.ts with the real DeviceScript compiler and runs the
// bytecode in the real VM: every published vector, and random inputs checked against @noble.

import { describe } from "vitest"
import { join } from "node:path"
import { buildProgram, ROOT, runTestMode } from "../../sim/vm/devs-cli"
import { cryptoCases } from "../shared/crypto-cases"
import { randomCases } from "../shared/random-cases"
import { aeadCases } from "../shared/aead-cases"
import { makeRandomCases, writeRandomCasesModule } from "../support/random-cases-noble"
import { declareVmCases } from "../support/vm-cases"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const random = makeRandomCases(seed, { aes: 16, cbc: 6, hashes: 20, maxMessage: 640 })
writeRandomCasesModule(join(ROOT, "test/vm/programs/generated/random-cases.ts"), random)
const expected = cryptoCases().length + randomCases(random).length + aeadCases().length

const program = await buildProgram("test/vm/programs/crypto-vectors.ts", "crypto-vectors")
const run = await runTestMode(program, 240_000)

describe(`crypto vectors inside the DeviceScript VM (image ${program.imageBytes} bytes, seed ${seed})`, () => {
    declareVmCases(run, expected)
})
