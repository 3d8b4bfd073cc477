// The controls a dashboard page may send, and their validation. A page's message is untrusted
// input: it is parsed as JSON, must name a known command, and each command's fields are checked
// against a table (their names and their allowed values); anything else is refused with a reason
// and changes nothing. The PIN is never sent by the page's own control: `pin` has the simulated
// holder type the card's PIN on the simulator's side, as the interactive mode's `pin` does.
// `key` presses a key on the terminal's keypad, `cardkey` on the card's.

export type Command =
    | { cmd: "key"; key: string }
    | { cmd: "cardkey"; key: string }
    | { cmd: "tap"; via: "nfc" | "infrared" }
    | { cmd: "pull" }
    | { cmd: "pin" }
    | { cmd: "button" }
    | { cmd: "server"; action: "stop" | "start" }
    | { cmd: "reboot"; board: "card" | "terminal" }

/** Longest message a page sends (the longest valid one is about 40 bytes). */
export const MAX_COMMAND_BYTES = 256

/** For each command, its fields and the values each may take (`keys`, `cardKeys`: the keypads' legends). */
const FIELDS: Record<Command["cmd"], Record<string, readonly string[] | "keys" | "cardKeys">> = {
    key: { key: "keys" },
    cardkey: { key: "cardKeys" },
    tap: { via: ["nfc", "infrared"] },
    pull: {},
    pin: {},
    button: {},
    server: { action: ["stop", "start"] },
    reboot: { board: ["card", "terminal"] },
}

export type Parsed = { ok: true; command: Command } | { ok: false; reason: string }

/** Parses one message from a page; `keys` are the terminal keypad's legends, `cardKeys` the card keypad's. */
export function parseCommand(text: string, keys: readonly string[], cardKeys: readonly string[] = []): Parsed {
    if (text.length > MAX_COMMAND_BYTES) return { ok: false, reason: "message too long" }
    let value: unknown
    try {
        value = JSON.parse(text)
    } catch {
        return { ok: false, reason: "not JSON" }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "not a JSON object" }
    const o = value as Record<string, unknown>
    const cmd = o.cmd
    if (typeof cmd !== "string" || !Object.prototype.hasOwnProperty.call(FIELDS, cmd)) return { ok: false, reason: "unknown command" }
    const fields = FIELDS[cmd as Command["cmd"]]
    for (const name of Object.keys(o)) {
        if (name !== "cmd" && !Object.prototype.hasOwnProperty.call(fields, name)) return { ok: false, reason: `${cmd}: unexpected field ${JSON.stringify(name).slice(0, 40)}` }
    }
    for (const [name, allowed] of Object.entries(fields)) {
        const v = o[name]
        const values = allowed === "keys" ? keys : allowed === "cardKeys" ? cardKeys : allowed
        if (typeof v !== "string" || !values.includes(v)) return { ok: false, reason: `${cmd}: ${name} must be one of ${values.join(" ")}` }
    }
    return { ok: true, command: o as Command }
}
