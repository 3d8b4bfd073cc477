// `npm start` (until the payment simulator lands): builds the self-check firmware with the real
// DeviceScript compiler, runs its bytecode in the VM and prints what it computed.

import { buildProgram, runTestMode } from "./vm/devs-cli"

const program = await buildProgram("devices/selfcheck/main.ts", "selfcheck")
console.log(`built devices/selfcheck/main.ts: ${program.imageBytes} bytes of bytecode`)
const run = await runTestMode(program, 60_000)
for (const line of run.lines) console.log(line)
if (!run.lines.includes("SELFCHECK OK")) {
    console.error("self-check did not pass" + (run.code !== 0 ? ` (VM exit code ${run.code})\n${run.output.split("\n").slice(-15).join("\n")}` : ""))
    process.exit(1)
}
