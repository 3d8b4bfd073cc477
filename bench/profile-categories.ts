// Where the server thread's time goes: a V8 CPU profile of the measured run, each sample charged
// to the innermost project file on its stack (so node:crypto or Buffer work counts where it was
// called from), grouped into the server's parts, in microseconds per payment or authentication.

import { Session } from "node:inspector/promises"

interface ProfileNode {
    id: number
    callFrame: { functionName: string; url: string }
    children?: number[]
}

interface Profile {
    nodes: ProfileNode[]
    samples: number[]
    timeDeltas: number[]
}

/** Part of the server -> what its files' paths look like. First match wins. */
const PARTS: [string, RegExp][] = [
    ["storage and ledger (SQLite, group commit)", /sim\/db\/|better-sqlite3|ledger-ports/],
    ["crypto (HMAC-SHA-256, MD5 for RADIUS, Milenage/AES)", /src\/crypto\/|sim\/crypto\/|aka-crypto|aka-encr/],
    ["RADIUS (codec, authenticators, duplicate cache, sockets' JS side)", /src\/radius\/|sim\/radius\//],
    ["EAP-AKA/AKA' server state machine and payment codec", /src\/eap\/|src\/payment\//],
    ["EAP sessions and RADIUS handler", /eap-gateway|radius-handler|payment-server/],
    ["byte helpers (copies, views, UTF-8)", /src\/bytes/],
    ["random numbers", /node-random/],
    ["benchmark instrumentation", /bench\//],
]

export class ServerProfiler {
    private readonly session = new Session()

    async start(): Promise<void> {
        this.session.connect()
        await this.session.post("Profiler.enable")
        await this.session.post("Profiler.setSamplingInterval", { interval: 250 })
        await this.session.post("Profiler.start")
    }

    /** Stops and returns lines "  123 us  17%  part" for the given number of exchanges (`unit`: payment, authentication). */
    async stop(exchanges: number, unit = "payment"): Promise<string[]> {
        const { profile } = (await this.session.post("Profiler.stop")) as unknown as { profile: Profile }
        this.session.disconnect()
        return categorize(profile, exchanges, unit)
    }
}

function categorize(p: Profile, payments: number, unit: string): string[] {
    const byId = new Map<number, ProfileNode>()
    const parent = new Map<number, number>()
    for (const n of p.nodes) {
        byId.set(n.id, n)
        for (const c of n.children ?? []) parent.set(c, n.id)
    }
    const perPart = new Map<string, number>()
    let busy = 0
    for (let i = 0; i < p.samples.length; i++) {
        const leaf = byId.get(p.samples[i])!
        const dt = p.timeDeltas[i] ?? 0
        const fn = leaf.callFrame.functionName
        if (fn === "(idle)") continue
        busy += dt
        let part = ""
        for (let n: ProfileNode | undefined = leaf; n && part === ""; n = byId.get(parent.get(n.id) ?? -1)) {
            for (const [name, re] of PARTS) {
                if (re.test(n.callFrame.url)) {
                    part = name
                    break
                }
            }
        }
        if (part === "") part = fn === "(garbage collector)" ? "garbage collection" : fn === "(program)" ? "V8 and Node internals (no JS frame)" : fn === "doSend" || fn === "send" ? "UDP send system calls" : "other Node internals"
        perPart.set(part, (perPart.get(part) ?? 0) + dt)
    }
    const lines = [...perPart].sort((a, b) => b[1] - a[1]).map(([part, us]) => `${(us / payments).toFixed(0).padStart(5)} us  ${((100 * us) / busy).toFixed(0).padStart(3)}%  ${part}`)
    return [`where the server thread's time goes (CPU profile of this run; sampling slows it), ${(busy / payments).toFixed(0)} us busy per ${unit}:`, ...lines]
}
