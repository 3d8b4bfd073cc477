// The dashboard's control messages: every field checked against the table, anything else refused
// with a reason (the browser test sends some of these through the real socket too).

import { describe, expect, test } from "vitest"
import { MAX_COMMAND_BYTES, parseCommand } from "../../sim/dashboard/commands"

const KEYS = ["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"]
const CARD_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"]

describe("dashboard commands", () => {
    test.each([
        ['{"cmd":"key","key":"#"}', { cmd: "key", key: "#" }],
        ['{"cmd":"cardkey","key":"*"}', { cmd: "cardkey", key: "*" }],
        ['{"cmd":"tap","via":"infrared"}', { cmd: "tap", via: "infrared" }],
        ['{"cmd":"pull"}', { cmd: "pull" }],
        ['{"cmd":"pin"}', { cmd: "pin" }],
        ['{"cmd":"button"}', { cmd: "button" }],
        ['{"cmd":"server","action":"stop"}', { cmd: "server", action: "stop" }],
        ['{"cmd":"reboot","board":"terminal"}', { cmd: "reboot", board: "terminal" }],
    ])("%s is accepted", (text, command) => {
        expect(parseCommand(text, KEYS, CARD_KEYS)).toEqual({ ok: true, command })
    })

    test.each([
        ["", "not JSON"],
        ["{", "not JSON"],
        ["42", "not a JSON object"],
        ["[]", "not a JSON object"],
        ["null", "not a JSON object"],
        ['{"cmd":"hasOwnProperty"}', "unknown command"],
        ['{"cmd":"__proto__"}', "unknown command"],
        ['{"cmd":["key"]}', "unknown command"],
        ['{"key":"1"}', "unknown command"],
        ['{"cmd":"key"}', "key: key must be one of"],
        ['{"cmd":"key","key":"E"}', "key: key must be one of"],
        ['{"cmd":"key","key":"12"}', "key: key must be one of"],
        ['{"cmd":"key","key":1}', "key: key must be one of"],
        ['{"cmd":"cardkey","key":"A"}', "cardkey: key must be one of 1 2 3"],
        ['{"cmd":"cardkey"}', "cardkey: key must be one of"],
        ['{"cmd":"pull","via":"nfc"}', 'pull: unexpected field "via"'],
        ['{"cmd":"pin","__proto__":{"x":1}}', 'pin: unexpected field "__proto__"'],
        ['{"cmd":"tap","via":"radio"}', "tap: via must be one of nfc infrared"],
        ['{"cmd":"server","action":"restart"}', "server: action must be one of stop start"],
        ['{"cmd":"reboot","board":{"toString":"card"}}', "reboot: board must be one of card terminal"],
    ])("%s is refused", (text, reason) => {
        const r = parseCommand(text, KEYS, CARD_KEYS)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.reason.startsWith(reason), r.reason).toBe(true)
    })

    test("a message longer than the limit is refused before it is parsed", () => {
        const text = JSON.stringify({ cmd: "pull", pad: "x".repeat(MAX_COMMAND_BYTES) })
        expect(parseCommand(text, KEYS, CARD_KEYS)).toEqual({ ok: false, reason: "message too long" })
    })
})
