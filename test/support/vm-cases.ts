// Turns the VMTEST lines printed by a VM test program into one vitest test each.

import { expect, test } from "vitest"
import type { VmRun } from "../../sim/vm/devs-cli"

export interface VmCaseResult {
    name: string
    passed: boolean
    reason: string
}

export function parseVmCases(run: VmRun): { cases: VmCaseResult[]; done: boolean } {
    const cases: VmCaseResult[] = []
    let done = false
    for (const line of run.lines) {
        if (line.startsWith("VMTEST PASS ")) cases.push({ name: line.slice(12), passed: true, reason: "" })
        else if (line.startsWith("VMTEST FAIL ")) {
            const [name, reason] = line.slice(12).split(" :: ")
            cases.push({ name, passed: false, reason })
        } else if (line.startsWith("VMTEST DONE ")) done = true
    }
    return { cases, done }
}

/** One vitest test per VM case, plus one that fails when the program died before finishing. */
export function declareVmCases(run: VmRun, expectedCount: number): void {
    const { cases, done } = parseVmCases(run)
    test(`the VM program ran to the end (${cases.length} of ${expectedCount} cases reported)`, () => {
        const tail = run.output.split("\n").filter((l) => !l.includes("VMTEST PASS")).slice(-25)
        expect(done, "VM output tail:\n" + tail.join("\n")).toBe(true)
        expect(cases.length).toBe(expectedCount)
    })
    for (const c of cases) {
        test(`VM: ${c.name}`, () => {
            expect(c.passed, c.reason).toBe(true)
        })
    }
}
