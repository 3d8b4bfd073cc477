// Bus test of the simulated peripherals (sim/jacdac/peripherals.ts): binds the four client
// roles a board uses, writes the screen and the LED, then prints the keys and button presses it
// receives until the test has pressed "1", "2", "#" and the button.

import * as ds from "@devicescript/core"

const screen = new ds.CharacterScreen()
const keypad = new ds.MatrixKeypad()
const button = new ds.Button()
const led = new ds.Led()

const t0 = ds.millis()
for (let i = 0; i < 200 && !(screen.isBound && keypad.isBound && button.isBound && led.isBound); i++) await ds.sleep(10)
console.log("PROBE BOUND " + screen.isBound + " " + keypad.isBound + " " + button.isBound + " " + led.isBound + " in " + (ds.millis() - t0) + " ms")

const rows = await screen.rows.read()
const columns = await screen.columns.read()
console.log("PROBE SCREEN " + rows + "x" + columns)
const labels = await keypad.labels.read()
console.log("PROBE LABELS " + labels.join(""))

await screen.message.write("HELLO\nPROBE")
await led.pixels.write(hex`ff8000`)

let keys = ""
let presses = 0
keypad.down.subscribe((index) => {
    const label = labels[index]
    keys = keys + label
    console.log("PROBE KEY " + index + " " + label)
})
button.down.subscribe(() => {
    console.log("PROBE BUTTON DOWN")
})
button.up.subscribe((ms) => {
    presses = presses + 1
    console.log("PROBE BUTTON UP " + ms)
})
console.log("PROBE READY")

for (let i = 0; i < 1000 && !(keys.length >= 3 && presses >= 1); i++) await ds.sleep(10)
console.log("PROBE DONE " + keys + " " + presses)
