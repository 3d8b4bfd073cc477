import { defineConfig } from "vitest/config"

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // One file at a time: the simulator flows run two DeviceScript VMs against emulated chips
        // with the terminal's real-hardware timeouts, and on a 2-core machine, with other files
        // beside them (Node start-ups, compiles, fuzzing), a card's answer came too late twice in
        // four full runs. The flows take most of the suite's time anyway: 570 s either way.
        fileParallelism: false,
        testTimeout: 30_000,
        hookTimeout: 300_000,
    },
})
