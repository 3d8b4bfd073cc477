import { basename } from "node:path"
import { defineConfig } from "vitest/config"

// The simulator files run DeviceScript VMs against emulated chips with the boards' real timeouts:
// they mostly wait (about a fifth of a core each) and they are sensitive to a busy machine. Each
// is a project of its own with its own Jacdac bus port (sim/vm/bus-port.ts), so that BUS_AT_ONCE
// of them run side by side, first. Then the other files, which are CPU-bound (compiles, VM test
// programs, fuzzing, servers), NODE_AT_ONCE at a time on their own.
// Vitest runs groups (sequence.groupOrder) one after the other and limits each group to one
// worker count, the same for every project in it; within a group it starts projects in the order
// of their names: the numbers start the longest files first.
/** Longest first. */
const BUS_FILES = [
    "test/flows/vending-flows.test.ts",
    "test/flows/certificate-flows.test.ts",
    "test/vm/simulator-flows.test.ts",
    "test/vm/tls-simulator-flows.test.ts",
    "test/browser/dashboard.test.ts",
    "test/vm/hil-rig.test.ts",
    "test/vm/card-keypad.test.ts",
    "test/vm/bus.test.ts",
]
const BUS_AT_ONCE = 3
const NODE_AT_ONCE = 2
const FIRST_BUS_PORT = 8082

const common = { testTimeout: 30_000, hookTimeout: 300_000 }

export default defineConfig({
    test: {
        maxWorkers: BUS_AT_ONCE,
        projects: [
            ...BUS_FILES.map((file, i) => ({
                test: {
                    ...common,
                    name: `bus ${i + 1} ${basename(file, ".test.ts")}`,
                    include: [file],
                    env: { ACTIVECARD_BUS_PORT: String(FIRST_BUS_PORT + 100 * i) },
                    maxWorkers: BUS_AT_ONCE,
                    sequence: { groupOrder: 0 },
                },
            })),
            {
                test: {
                    ...common,
                    name: "node-and-vm",
                    include: ["test/**/*.test.ts"],
                    exclude: BUS_FILES,
                    maxWorkers: NODE_AT_ONCE,
                    sequence: { groupOrder: 1 },
                },
            },
        ],
    },
})
