// A minimal test runner for programs that run inside the DeviceScript VM. Every case runs in its
// own VM slice (a yield between cases), and prints one machine-readable line that the vitest
// suite on the Node side turns into one test each:
//   VMTEST PASS <name>
//   VMTEST FAIL <name> :: <reason>
//   VMTEST DONE <passed> <failed>

import * as ds from "@devicescript/core"

type CaseBody = () => void | Promise<void>

const names: string[] = []
const bodies: CaseBody[] = []

export function vmCase(name: string, body: CaseBody): void {
    names.push(name)
    bodies.push(body)
}

export function expectHex(actual: Buffer, expectedHex: string, what: string): void {
    const a = actual.toString("hex")
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

export function expectTrue(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

export async function runVmCases(): Promise<void> {
    let passed = 0
    let failed = 0
    for (let i = 0; i < names.length; i++) {
        await ds.sleep(0)
        try {
            await bodies[i]()
            passed++
            console.log("VMTEST PASS " + names[i])
        } catch (e: any) {
            failed++
            console.log("VMTEST FAIL " + names[i] + " :: " + (e && e.message ? e.message : "" + e))
        }
    }
    console.log("VMTEST DONE " + passed + " " + failed)
    ds.restart()
}
