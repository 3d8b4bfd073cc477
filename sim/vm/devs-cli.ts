// Builds DeviceScript programs with the real compiler and runs their bytecode in the real VM,
// both through the `devs` command of @devicescript/cli.

import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { busPort, DEVS_TCP_PORT } from "./bus-port"

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const CLI = join(ROOT, "node_modules/@devicescript/cli/devicescript")
/** `devs build` always writes here (its --out-dir flag takes no value), so builds are serialised by a lock. */
const DEVS_BIN = join(ROOT, ".devicescript/bin")
export const BUILD_DIR = join(ROOT, "build/devs")
/** An image's limits (docs/devicescript.md, "Limits"): its code section ends before this byte... */
export const CODE_SECTION_LIMIT = 65_536
/** ...the simulator deploys at most this many bytes (over it the VM runs nothing)... */
export const IMAGE_LIMIT_SIMULATOR = 110_464
/** ...and a board's flash holds this many. */
export const IMAGE_LIMIT_BOARD = 225_152

export interface ProcessResult {
    code: number
    stdout: string
    stderr: string
}

export function runCli(args: string[], cwd = ROOT, timeoutMs = 120_000, env: Record<string, string> = {}): Promise<ProcessResult> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } })
        let stdout = ""
        let stderr = ""
        child.stdout.on("data", (d) => (stdout += d))
        child.stderr.on("data", (d) => (stderr += d))
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
        child.on("error", reject)
        child.on("close", (code) => {
            clearTimeout(timer)
            resolvePromise({ code: code ?? -1, stdout, stderr })
        })
    })
}

const ANSI = /\x1b\[[0-9;]*m/g

/** Console lines printed by the program inside the VM (the CLI prefixes them with "WASM> "). */
export function vmLines(output: string): string[] {
    return output
        .replace(ANSI, "")
        .split("\n")
        .filter((l) => l.startsWith("WASM> "))
        .map((l) => l.slice(6))
}

async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(ROOT, ".devicescript/build.lock")
    mkdirSync(dirname(lock), { recursive: true })
    for (let waited = 0; ; waited += 100) {
        try {
            mkdirSync(lock)
            break
        } catch {
            // A lock older than two minutes belongs to a build that died.
            try {
                if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true })
            } catch {}
            if (waited > 300_000) throw new Error("timed out waiting for the DeviceScript build lock")
            await new Promise((r) => setTimeout(r, 100))
        }
    }
    try {
        return await fn()
    } finally {
        rmSync(lock, { recursive: true, force: true })
    }
}

/** Copies through a temporary file and a rename: a VM starting in another process never reads half a file. */
function copyInPlace(from: string, to: string): void {
    const partial = `${to}.${process.pid}.partial`
    copyFileSync(from, partial)
    renameSync(partial, to)
}

/**
 * `node` arguments that start the CLI's `devs run --tcp` on this process's bus: with the preload
 * that moves its connection when the bus is not on the CLI's own port.
 */
function devsRunTcp(): string[] {
    const port = busPort()
    const preload = port === DEVS_TCP_PORT ? [] : ["--require", join(ROOT, "sim/vm/devs-bus-port.cjs")]
    return [...preload, CLI, "run", "--tcp"]
}

export interface BuiltProgram {
    /** Debug JSON (bytecode plus source map): what `devs run` loads, with readable stack traces. */
    dbgFile: string
    /** Raw bytecode image, the file that is deployed to a board. */
    devsFile: string
    imageBytes: number
}

/**
 * Git for `devs build` that pins the image's version field to the package's version: the compiler
 * writes `git describe` (and, in a changed tree, the time) into every image, so two builds of the
 * same code would differ. Git is pointed at a repository of one empty commit tagged v<version>.
 */
function pinnedVersionGit(): Record<string, string> {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string
    const dir = join(ROOT, ".devicescript/version-pin", version)
    if (!existsSync(join(dir, ".git"))) {
        rmSync(dir, { recursive: true, force: true })
        mkdirSync(dir, { recursive: true })
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=build", "-c", "user.email=build@localhost", ...args], { cwd: dir, stdio: "pipe" })
        git("init", "-q")
        git("commit", "-q", "--allow-empty", "-m", "version pin")
        git("tag", "v" + version)
    }
    return { GIT_DIR: join(dir, ".git"), GIT_WORK_TREE: dir }
}

/**
 * Compiles `entry` (relative to the project root) with `devs build`; fails with the compiler's
 * diagnostics. With `pinVersion` the image carries the package's version, not the commit's.
 */
export async function buildProgram(entry: string, name = basename(dirname(entry)) + "-" + basename(entry, ".ts"), pinVersion = false): Promise<BuiltProgram> {
    return withBuildLock(async () => {
        const r = await runCli(["build", entry], ROOT, 120_000, pinVersion ? pinnedVersionGit() : {})
        if (r.code !== 0 || /error/i.test(r.stderr.replace(ANSI, ""))) {
            throw new Error(`devs build ${entry} failed:\n${(r.stdout + r.stderr).replace(ANSI, "")}`)
        }
        mkdirSync(BUILD_DIR, { recursive: true })
        const dbgFile = join(BUILD_DIR, name + ".dbg.json")
        const devsFile = join(BUILD_DIR, name + ".devs")
        copyInPlace(join(DEVS_BIN, "bytecode-dbg.json"), dbgFile)
        copyInPlace(join(DEVS_BIN, "bytecode.devs"), devsFile)
        return { dbgFile, devsFile, imageBytes: readFileSync(devsFile).length }
    })
}

export interface VmRun {
    code: number
    lines: string[]
    output: string
}

/**
 * Runs a built program in the VM's test mode (no bus, GC stress on, exits when the program
 * calls ds.restart() or panics). Exit code 0 means the program ended without a panic.
 */
export async function runTestMode(program: BuiltProgram, timeoutMs: number): Promise<VmRun> {
    const r = await runCli(["run", "--test", "--test-self-exit", "-T", String(timeoutMs), program.dbgFile], ROOT, timeoutMs + 30_000)
    const output = r.stdout + r.stderr
    return { code: r.code, lines: vmLines(output), output: output.replace(ANSI, "") }
}

export interface BusDevice {
    /** Console lines printed so far by the program in the VM. */
    lines(): string[]
    output(): string
    stop(): void
}

/**
 * Starts a built program as a device on the Jacdac bus and leaves it running until stop(). The VM
 * keeps its flash (settings) in `flashDir`/.devicescript/flash: pass the same folder again to
 * reboot the same device; without it a fresh folder is used and removed on stop().
 */
export function startOnBus(program: BuiltProgram, deviceId: string, flashDir?: string): BusDevice {
    return spawnOnBus([program.dbgFile, "--device-id", deviceId], flashDir)
}

/**
 * Starts an empty VM on the bus that waits for a program to be deployed over Jacdac, as a
 * freshly flashed board does (`devs run --wait`). Stopped like startOnBus's devices.
 */
export function startEmptyOnBus(deviceId: string): BusDevice {
    return spawnOnBus(["--wait", "--device-id", deviceId])
}

function spawnOnBus(args: string[], flashDir?: string): BusDevice {
    const cwd = flashDir ?? mkdtempSync(join(tmpdir(), "activecard-vm-"))
    const child = spawn(process.execPath, [...devsRunTcp(), ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    return {
        lines: () => vmLines(output),
        output: () => output.replace(ANSI, ""),
        stop: () => {
            child.kill("SIGKILL")
            if (flashDir === undefined) rmSync(cwd, { recursive: true, force: true })
        },
    }
}

/**
 * Runs a built program as a device on a Jacdac bus (`devs run --tcp`, no GC stress: timings are
 * representative) until it prints a line starting with `untilPrefix`, then stops the VM.
 * Needs a JacdacHub listening; each run gets a fresh working folder (its own flash).
 */
export async function runOnBus(program: BuiltProgram, untilPrefix: string, timeoutMs: number, deviceId?: string): Promise<VmRun> {
    const cwd = mkdtempSync(join(tmpdir(), "activecard-vm-"))
    const args = [...devsRunTcp(), program.dbgFile]
    if (deviceId) args.push("--device-id", deviceId)
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: "1" } })
    let output = ""
    return await new Promise<VmRun>((resolvePromise) => {
        let finished = false
        const finish = (code: number) => {
            if (finished) return
            finished = true
            clearTimeout(timer)
            child.kill("SIGKILL")
            rmSync(cwd, { recursive: true, force: true })
            resolvePromise({ code, lines: vmLines(output), output: output.replace(ANSI, "") })
        }
        const onData = (d: Buffer) => {
            output += d
            if (vmLines(output).some((l) => l.startsWith(untilPrefix))) finish(0)
            else if (/PANIC|Exception:/.test(output.replace(ANSI, ""))) setTimeout(() => finish(1), 200)
        }
        child.stdout.on("data", onData)
        child.stderr.on("data", onData)
        child.on("close", (code) => finish(code ?? -1))
        const timer = setTimeout(() => finish(-2), timeoutMs)
    })
}
