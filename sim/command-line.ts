// The command lines of the project's tools (`npm run server`, `npm run provision`, `npm run pay`,
// `npm run ca`):
// options by name, each a string value the tool checks itself or a flag. Every mistake is one
// line on stderr and exit code 2, never a stack trace; a stray argument is not echoed, since it is
// usually the rest of a value typed with spaces (a card number, a PIN).

import { parseArgs } from "node:util"
import { parseWhole } from "./server/fields"

/** One line on stderr and exit code 2 (wrong command line or input) or 1 (failure at run time). */
export function fail(message: string, code = 2): never {
    console.error(`error: ${message}`)
    process.exit(code)
}

/**
 * The options of `argv`: `strings` take a value, `flags` none. `--help` prints `usage` and exits 0;
 * an unknown or malformed option fails with its name and the usage.
 */
export function parseCommandLine<S extends string, F extends string = never>(argv: string[], usage: string, strings: readonly S[], flags: readonly F[] = []): { [K in S]?: string } & { [K in F]?: boolean } {
    if (argv.includes("--help")) {
        console.log(usage)
        process.exit(0)
    }
    const options: Record<string, { type: "string" | "boolean" }> = {}
    for (const name of strings) options[name] = { type: "string" }
    for (const name of flags) options[name] = { type: "boolean" }
    try {
        return parseArgs({ args: argv, options, allowPositionals: false }).values as { [K in S]?: string } & { [K in F]?: boolean }
    } catch (e) {
        const stray = (e as { code?: string }).code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
        fail(`${stray ? "an argument without an option before it (quote a value that has spaces)" : (e as Error).message}\n${usage}`)
    }
}

/**
 * One line for a failure at run time: what an operator must know, without a stack trace.
 * `portHint` says which options choose the port when it is taken.
 */
export function runtimeMessage(e: unknown, portHint: string): string {
    const err = e as NodeJS.ErrnoException & { address?: string; port?: number }
    if (err?.code === "EADDRINUSE") return `port ${err.port} on ${err.address} is already in use (${portHint})`
    if (err?.code === "EACCES" && err.syscall === "bind") return `no permission to listen on port ${err.port} (ports below 1024 need privileges)`
    if (err?.code === "EADDRNOTAVAIL") return `address ${err.address} is not an address of this machine (--host)`
    return err instanceof Error ? err.message : String(e)
}

/** Stops `server` and exits 0 on SIGINT or SIGTERM. */
export function stopOnSignals(server: { stop(): Promise<void> }): void {
    const stop = async () => {
        await server.stop()
        process.exit(0)
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
}

/** An option's whole number in min..max, or `fallback` when the option is absent; one line and exit 2 otherwise. */
export function wholeOption(v: string | undefined, fallback: number, what: string, min: number, max: number): number {
    if (v === undefined) return fallback
    try {
        return parseWhole(v, what, min, max)
    } catch (e) {
        fail((e as Error).message)
    }
}
