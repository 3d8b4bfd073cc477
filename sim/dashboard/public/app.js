// The dashboard page: draws what the simulator sends over the WebSocket (the boards, the field
// trace, the ledger) and sends the controls back. Standard DOM, canvas and WebSocket only.
"use strict"

const OLED_ON = [140, 220, 255]
const OLED_OFF = [8, 12, 16]
/** ISO 4217 numeric code: letters and minor-unit digits, for the currencies the demo uses. */
const CURRENCIES = { 410: ["KRW", 0], 392: ["JPY", 0], 840: ["USD", 2], 978: ["EUR", 2] }
const FIELD_TEXT = { none: "away from the terminal", nfc: "on the reader (NFC)", infrared: "in infrared sight", field: "on the reader" }
const VIA_TEXT = { nfc: "NFC", infrared: "infrared", field: "Card Link", none: "field" }

const $ = (id) => document.getElementById(id)
let socket = null
let layout = null
let boards = null
let stickToBottom = true

function send(command) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(command))
    else showMessage("not connected")
}

function showMessage(text) {
    $("message").textContent = text
}

// ---- boards ----

/** The keypad `id` with the keys of `keypad` (its columns and labels), each named `name` and its label. */
function buildKeypad(id, keypad, name, press) {
    const pad = $(id)
    pad.replaceChildren()
    pad.style.gridTemplateColumns = `repeat(${keypad.columns}, 1fr)`
    for (const label of keypad.labels) {
        const b = document.createElement("button")
        b.type = "button"
        b.textContent = label
        b.dataset.key = label
        b.setAttribute("aria-label", name + label)
        b.addEventListener("click", () => press(label))
        pad.append(b)
    }
}

function flash(target) {
    target.classList.add("pressed")
    setTimeout(() => target.classList.remove("pressed"), 150)
}

/** Whether the terminal is reading a PIN: then no key press is shown (anyone watching would see it). */
function pinEntry() {
    return boards !== null && /^ENTER PIN/.test(boards.terminal.lcd[0] || "")
}

function pressKey(label) {
    send({ cmd: "key", key: label })
    const pad = $("keypad")
    const target = pinEntry() ? pad : pad.querySelector(`[data-key="${CSS.escape(label)}"]`)
    if (target) flash(target)
}

/** A key on the card: what it types may be secret, so the whole keypad flashes, never the key. */
function pressCardKey(label) {
    send({ cmd: "cardkey", key: label })
    flash($("card-keypad"))
}

function drawOled(card) {
    const canvas = $("oled")
    const ctx = canvas.getContext("2d")
    const w = canvas.width
    const h = canvas.height
    const ram = Uint8Array.from(atob(card.oled), (c) => c.charCodeAt(0))
    const image = ctx.createImageData(w, h)
    for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
            const bit = ((ram[(y >> 3) * w + x] || 0) >> (y & 7)) & 1
            const on = card.lit && (card.allOn || (bit === 1) !== card.inverted)
            const rgb = on ? OLED_ON : OLED_OFF
            const i = (y * w + x) * 4
            image.data[i] = rgb[0]
            image.data[i + 1] = rgb[1]
            image.data[i + 2] = rgb[2]
            image.data[i + 3] = 255
        }
    }
    ctx.putImageData(image, 0, 0)
}

/** An LED's colour at full brightness: the firmware drives it dimly, which a screen would show as black. */
function glow(hex) {
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
    const max = Math.max(...rgb)
    return "rgb(" + rgb.map((c) => Math.round((c * 255) / max)).join(", ") + ")"
}

function renderBoards(b) {
    boards = b
    const lcd = $("lcd")
    lcd.textContent = b.terminal.lcd.join("\n")
    lcd.classList.toggle("dark", !b.terminal.backlight)
    const cardText = b.card.text ? "card display: " + b.card.text.split("\n").join(" / ") : "card display: blank"
    if (layout && layout.oled) {
        drawOled(b.card)
        $("oled").setAttribute("aria-label", cardText)
    } else {
        $("card-text").textContent = b.card.text
    }
    const led = $("led")
    const off = b.card.led === "#000000"
    led.style.color = led.style.backgroundColor = off ? "" : glow(b.card.led)
    led.classList.toggle("on", !off)
    led.setAttribute("aria-label", off ? "status LED off" : "status LED " + b.card.led)
    $("field-state").textContent = FIELD_TEXT[b.field] || b.field
    $("tap-nfc").setAttribute("aria-pressed", String(b.field === "nfc" || b.field === "field"))
    $("tap-infrared").setAttribute("aria-pressed", String(b.field === "infrared"))
    $("server-state").textContent = b.server ? "running" : "stopped"
    $("server-stop").disabled = !b.server
    $("server-start").disabled = b.server
    const busy = $("busy")
    busy.hidden = b.busy === ""
    busy.textContent = b.busy ? b.busy + "…" : ""
}

function applyLayout(l) {
    layout = l
    $("link").textContent = l.link
    buildKeypad("keypad", l.keypad, "key ", pressKey)
    buildKeypad("card-keypad", l.cardKeypad, "card key ", pressCardKey)
    $("oled").hidden = l.oled === null
    $("card-text").hidden = l.oled !== null
    if (l.oled) {
        $("oled").width = l.oled.width
        $("oled").height = l.oled.height
    }
    $("tap-nfc").textContent = l.chips ? "Tap on the reader (NFC)" : "Tap on the reader"
    $("tap-infrared").hidden = !l.chips
}

// ---- the sequence diagram ----

/** Grid lines of each lane's centre in the six-column diagram. */
const LANE = { card: 2, terminal: 4, server: 6 }

function item(text, className) {
    const li = document.createElement("li")
    li.textContent = text
    if (className) li.className = className
    return li
}

function fieldRow(e) {
    const li = document.createElement("li")
    li.className = "msg from-" + e.from + " to-" + e.to
    const a = LANE[e.from]
    const b = LANE[e.to]
    const box = document.createElement("div")
    box.className = "arrow " + (a < b ? "right" : "left")
    box.style.gridColumn = Math.min(a, b) + " / " + Math.max(a, b)
    const label = document.createElement("div")
    label.className = "label"
    const n = document.createElement("span")
    n.className = "n"
    n.textContent = e.n
    const what = document.createElement("span")
    what.className = "what"
    what.textContent = e.what
    // The card's side of every message crosses the field; the server's side is the terminal's RADIUS.
    const field = VIA_TEXT[e.via] || e.via
    const relayed = e.from === "server" || e.to === "server"
    const via = document.createElement("span")
    via.className = "via"
    via.textContent = relayed ? (e.from === "server" ? "RADIUS → " + field : field + " → RADIUS") : field
    label.append(n, " ", what, " ", via)
    const line = document.createElement("div")
    line.className = "line"
    if (relayed) {
        // The terminal relays it: a mark where the arrow passes its lane.
        const mark = document.createElement("span")
        mark.className = "relay"
        mark.title = "relayed by the terminal"
        line.append(mark)
    }
    box.append(label, line)
    if (e.readable.length > 0 || e.opaque.length > 0) {
        const details = document.createElement("ul")
        details.className = "details"
        for (const r of e.readable) details.append(item(r, "readable"))
        for (const o of e.opaque) details.append(item(o, "opaque"))
        box.append(details)
    }
    li.append(box)
    li.setAttribute("aria-label", `${e.n}: ${e.from} to ${e.to}, ${e.what}`)
    return li
}

function serverRow(e) {
    const li = document.createElement("li")
    li.className = "log"
    const note = document.createElement("div")
    note.className = "note"
    note.textContent = e.text
    li.append(note)
    li.setAttribute("aria-label", "server log: " + e.text)
    return li
}

function appendTrace(entries) {
    const list = $("diagram")
    for (const e of entries) list.append(e.kind === "server" ? serverRow(e) : fieldRow(e))
    const scroll = $("diagram-scroll")
    if (stickToBottom) scroll.scrollTop = scroll.scrollHeight
}

// ---- the ledger ----

function money(amount, currency) {
    const c = CURRENCIES[currency]
    if (!c) return `${amount} (currency ${currency})`
    const value = c[1] === 0 ? amount : amount / 10 ** c[1]
    return value.toLocaleString("en-US", { minimumFractionDigits: c[1], maximumFractionDigits: c[1] }) + " " + c[0]
}

function cell(text) {
    const td = document.createElement("td")
    td.textContent = text
    return td
}

function renderLedger(rows) {
    const body = $("ledger")
    body.replaceChildren()
    if (rows.length === 0) {
        const tr = document.createElement("tr")
        tr.className = "empty"
        const td = cell("no payments yet")
        td.colSpan = 7
        tr.append(td)
        body.append(tr)
        return
    }
    for (const r of rows.slice().sort((x, y) => y.at - x.at)) {
        const tr = document.createElement("tr")
        tr.className = "state-" + r.state + (r.code === "00" ? " approved" : " declined")
        const months = r.installments > 1 ? `, ${r.installments} months` : ""
        const result = r.code + " " + (r.approval || r.reason)
        tr.append(cell(new Date(r.at).toLocaleTimeString()), cell(r.txid), cell(r.cardId), cell(r.merchant), cell(money(r.amount, r.currency) + months), cell(result), cell(r.state))
        body.append(tr)
    }
}

// ---- the connection ----

function connect() {
    socket = new WebSocket(`ws://${location.host}/ws`)
    socket.addEventListener("open", () => {
        $("connection").textContent = "connected"
        $("connection").className = "pill ok"
        $("diagram").replaceChildren()
    })
    socket.addEventListener("message", (ev) => {
        const m = JSON.parse(ev.data)
        if (m.type === "layout") applyLayout(m.layout)
        else if (m.type === "boards") renderBoards(m.boards)
        else if (m.type === "trace") appendTrace(m.entries)
        else if (m.type === "ledger") renderLedger(m.rows)
        else if (m.type === "error") showMessage(m.message)
    })
    socket.addEventListener("close", () => {
        $("connection").textContent = "disconnected: retrying"
        $("connection").className = "pill bad"
        setTimeout(connect, 1000)
    })
}

function wire() {
    $("pin").addEventListener("click", () => send({ cmd: "pin" }))
    $("card-button").addEventListener("click", () => send({ cmd: "button" }))
    $("tap-nfc").addEventListener("click", () => send({ cmd: "tap", via: "nfc" }))
    $("tap-infrared").addEventListener("click", () => send({ cmd: "tap", via: "infrared" }))
    $("pull").addEventListener("click", () => send({ cmd: "pull" }))
    $("server-stop").addEventListener("click", () => send({ cmd: "server", action: "stop" }))
    $("server-start").addEventListener("click", () => send({ cmd: "server", action: "start" }))
    $("reboot-card").addEventListener("click", () => send({ cmd: "reboot", board: "card" }))
    $("reboot-terminal").addEventListener("click", () => send({ cmd: "reboot", board: "terminal" }))
    const scroll = $("diagram-scroll")
    scroll.addEventListener("scroll", () => {
        stickToBottom = scroll.scrollTop + scroll.clientHeight >= scroll.scrollHeight - 8
    })
    // Keys typed anywhere on the page go to the terminal's keypad.
    document.addEventListener("keydown", (ev) => {
        if (ev.ctrlKey || ev.metaKey || ev.altKey || !layout) return
        let key = ev.key.length === 1 ? ev.key.toUpperCase() : ""
        if (ev.key === "Escape") key = "*"
        // Enter on a focused button presses that button; elsewhere it confirms on the keypad.
        if (ev.key === "Enter" && !(ev.target instanceof HTMLButtonElement)) key = "#"
        if (!layout.keypad.labels.includes(key)) return
        ev.preventDefault()
        pressKey(key)
    })
}

wire()
connect()
