// The free heap of an empty program, in 256-byte buffers it can hold (bench/programs/heap-baseline.ts,
// VM test mode): the baseline every heap search of the benchmarks measures against.

import { buildProgram, runTestMode } from "../sim/vm/devs-cli"

export async function emptyProgramBuffers(): Promise<number> {
    const program = await buildProgram("bench/programs/heap-baseline.ts", "bench-heap-baseline")
    const run = await runTestMode(program, 120_000)
    const counts = run.lines.filter((l) => l.startsWith("HEAP ")).map((l) => Number(l.slice(5)))
    return counts[counts.length - 1]
}
