// Bytecode attributed to source files: the debug image lists every compiled function with the
// position of its source, so the functions of a set of files can be summed.

import { readFileSync } from "node:fs"
import type { BuiltProgram } from "../sim/vm/devs-cli"

/** Bytes of bytecode in the functions whose source path starts with one of `prefixes`. */
export function functionBytesBySource(program: BuiltProgram, prefixes: string[]): number {
    const dbg = JSON.parse(readFileSync(program.dbgFile, "utf8"))
    const starts: { path: string; start: number; end: number }[] = []
    let pos = 0
    for (const s of dbg.sources) {
        starts.push({ path: s.path, start: pos, end: pos + s.length })
        pos += s.length
    }
    let total = 0
    for (const f of dbg.functions) {
        const src = starts.find((s) => f.location[0] >= s.start && f.location[0] < s.end)
        if (src && prefixes.some((p) => src.path.startsWith(p))) total += f.size
    }
    return total
}
