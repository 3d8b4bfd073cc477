// Compiles test/vm/programs/pubkey-vectors.ts with the real DeviceScript compiler and runs the
// bytecode in the real VM (test mode: GC stress on): every published public-key vector, and random
// inputs checked against @noble (written into the program's generated module first). Then
// test/vm/programs/pubkey-wycheproof.ts: the Project Wycheproof X25519 and Ed25519 cases.

import { describe } from "vitest"
import { join } from "node:path"
import { buildProgram, ROOT, runTestMode } from "../../sim/vm/devs-cli"
import type { CryptoCase } from "../shared/crypto-cases"
import { field25519Cases } from "../shared/field25519-cases"
import { sha512Cases, sha512RandomCases } from "../shared/sha512-cases"
import { x25519Cases, x25519RandomCases } from "../shared/x25519-cases"
import { ed25519Cases, ed25519RandomCases } from "../shared/ed25519-cases"
import {
    arrayList,
    packWycheproofEd25519,
    packWycheproofX25519,
    wycheproofEd25519Cases,
    wycheproofX25519Cases,
    wycheproofX25519VmSubset,
} from "../shared/wycheproof-cases"
import { WYCHEPROOF_X25519_VECTORS } from "../vectors/wycheproof-x25519"
import { WYCHEPROOF_ED25519_VECTORS } from "../vectors/wycheproof-ed25519"
import {
    makeEd25519RandomCases,
    makePubkeyRandomCases,
    makeX25519RandomCases,
    writePubkeyCurveCasesModule,
    writePubkeyRandomCasesModule,
    writeWycheproofPackedModule,
} from "../support/pubkey-random-noble"
import { declareVmCases } from "../support/vm-cases"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const random = makePubkeyRandomCases(seed)
writePubkeyRandomCasesModule(join(ROOT, "test/vm/programs/generated/pubkey-random-cases.ts"), random)
// X25519 and Ed25519: few random cases (one X25519 takes about 0.2 s in the VM, a signature about
// 0.5 s). The Wycheproof cases run in a second program (pubkey-wycheproof.ts), packed into flash.
const x25519Random = makeX25519RandomCases(seed, { shared: 6, publicKeys: 3 })
const ed25519Random = makeEd25519RandomCases(seed, { signatures: 4, tampered: 4, maxMessage: 300 })
writePubkeyCurveCasesModule(join(ROOT, "test/vm/programs/generated/pubkey-curve-cases.ts"), x25519Random, ed25519Random)
const wycheproofX25519 = wycheproofX25519VmSubset(WYCHEPROOF_X25519_VECTORS)
writeWycheproofPackedModule(
    join(ROOT, "test/vm/programs/generated/pubkey-wycheproof-cases.ts"),
    packWycheproofX25519(wycheproofX25519),
    packWycheproofEd25519(WYCHEPROOF_ED25519_VECTORS),
)

// The same lists, in the same order, as CASE_LISTS in the VM program.
const lists: CryptoCase[][] = [
    field25519Cases(),
    sha512Cases(),
    sha512RandomCases(random),
    x25519Cases(),
    x25519RandomCases(x25519Random),
    ed25519Cases(),
    ed25519RandomCases(ed25519Random),
]
const expected = lists.reduce((n, l) => n + l.length, 0)

// The Wycheproof program: the same case lists as its CASE_LISTS, PER_TEST cases to a VM test.
const wycheproofExpected =
    wycheproofEd25519Cases(arrayList(WYCHEPROOF_ED25519_VECTORS), "", 16).length + wycheproofX25519Cases(arrayList(wycheproofX25519), "", 16).length

// Two VMs side by side (one per core): nothing else runs beside a test file.
const program = await buildProgram("test/vm/programs/pubkey-vectors.ts", "pubkey-vectors")
const wycheproofProgram = await buildProgram("test/vm/programs/pubkey-wycheproof.ts", "pubkey-wycheproof")
const [run, wycheproofRun] = await Promise.all([runTestMode(program, 600_000), runTestMode(wycheproofProgram, 600_000)])

describe(`public-key vectors inside the DeviceScript VM (image ${program.imageBytes} bytes, seed ${seed})`, () => {
    declareVmCases(run, expected)
})

describe(`Wycheproof inside the DeviceScript VM: all ${WYCHEPROOF_ED25519_VECTORS.length} Ed25519 cases, ${wycheproofX25519.length} of ${WYCHEPROOF_X25519_VECTORS.length} X25519 cases (image ${wycheproofProgram.imageBytes} bytes)`, () => {
    declareVmCases(wycheproofRun, wycheproofExpected)
})
