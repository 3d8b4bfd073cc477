// The transfer page: the form posts a transfer request, then the transfer's status arrives over
// Server-Sent Events until it is performed, refused or expired.
"use strict"

const $ = (id) => document.getElementById(id)
const STATES = {
    "awaiting-signature": "Waiting for your card's signature: an SMS went to your card.",
    performed: "Performed.",
    refused: "Refused.",
    expired: "Expired: no signature came in time.",
}
let events = null

async function loadAccounts() {
    const accounts = await (await fetch("/accounts")).json()
    const from = $("from")
    const selected = from.value
    from.replaceChildren(...accounts.map((a) => new Option(`${a.number} (${a.holder})`, a.number)))
    if (selected) from.value = selected
    $("accounts").tBodies[0].replaceChildren(
        ...accounts.map((a) => {
            const tr = document.createElement("tr")
            for (const v of [a.number, a.holder, a.balance.toLocaleString("en-US")]) tr.insertCell().textContent = v
            return tr
        }),
    )
}

function show(t) {
    $("status-section").hidden = false
    $("transaction-id").textContent = t.id
    $("history").textContent = t.history
    let text = STATES[t.state] ?? t.state
    if (t.state === "refused" && t.reason) text = `Refused: ${t.reason}.`
    if (t.state === "awaiting-signature" && t.reason) text += ` Last attempt: ${t.reason}.`
    $("status").textContent = text
    $("status").dataset.state = t.state
    $("signer").textContent = t.signer ? `${t.signer.subject ?? "?"} (certificate serial ${t.signer.serial ?? "?"})` : "nobody yet"
    if (t.state !== "awaiting-signature") {
        events?.close()
        events = null
        $("submit").disabled = false
        loadAccounts()
    }
}

$("transfer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault()
    $("form-error").textContent = ""
    const body = {}
    for (const name of ["from", "to", "amount", "phone", "method"]) body[name] = $(name).value
    $("submit").disabled = true
    try {
        const res = await fetch("/transfers", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        const answer = await res.json()
        if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`)
        show(answer)
        events?.close()
        events = new EventSource(`/transfers/${encodeURIComponent(answer.id)}/events`)
        events.onmessage = (m) => show(JSON.parse(m.data))
    } catch (e) {
        $("form-error").textContent = e.message
        $("submit").disabled = false
    }
})

loadAccounts().catch((e) => ($("form-error").textContent = `accounts: ${e.message}`))
