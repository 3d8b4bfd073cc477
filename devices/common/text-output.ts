// A text output shared by the card's and the terminal's displays: the latest text goes to the
// board's display driver (LCD, OLED) when it has one, and to the Jacdac character screen role
// whenever a screen is on the bus (the simulator's, or a test rig's). One fiber pushes it out, so
// two writes never interleave and a slow display never holds up the application.

import * as ds from "@devicescript/core"

export interface TextDisplay {
    show(text: string): Promise<void>
}

/** Starts the pushing fiber; returns the function that sets the text to show. */
export function startTextOutput(display: TextDisplay | null, role: ds.CharacterScreen, name: string): (text: string) => void {
    let wanted = ""
    let shown = ""
    const pushLoop = async () => {
        for (;;) {
            const text = wanted
            if (text !== shown) {
                if (display !== null) {
                    try {
                        await display.show(text)
                        shown = text
                    } catch (e) {
                        // a bus glitch: the next round writes it again
                        console.log(name + " write failed: " + (e as Error).message)
                    }
                } else if (role.isBound) shown = text
                if (role.isBound) await role.message.write(text)
            }
            await ds.sleep(20)
        }
    }
    pushLoop.start()
    return (text: string) => {
        wanted = text
    }
}
