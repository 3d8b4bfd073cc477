// Polling for a condition of the simulated world: the VMs, the emulated chips and the server run
// on their own clocks and report nothing, so the simulator, its tests and the rig look again
// every few milliseconds until the condition holds or the time is up.

/** Resolves once `ok()` holds; rejects with `what` (and `detail()`, if it says anything) after `timeoutMs`. */
export async function waitUntil(ok: () => boolean, timeoutMs: number, what: string, detail: () => string = () => ""): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!ok()) {
        if (Date.now() > deadline) {
            const more = detail()
            throw new Error(what + (more ? "\n" + more : ""))
        }
        await new Promise((r) => setTimeout(r, 10))
    }
}
