// Which USB serial ports look like ESP32 boards: Espressif's own USB (ESP32-C3/S3 built-in
// USB-Serial/JTAG) and the USB-UART bridges dev boards carry (CP210x, CH34x/CH9102, FTDI).
// ACTIVECARD_HIL_PORTS (comma-separated device paths) overrides the search.

import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs"
import { join } from "node:path"

const ESP32_USB_VENDORS: Record<string, string> = {
    "303a": "Espressif USB-Serial/JTAG",
    "10c4": "Silicon Labs CP210x",
    "1a86": "WCH CH34x/CH9102",
    "0403": "FTDI",
}

export interface SerialBoard {
    path: string
    description: string
}

/** Linux: /sys/class/tty/<name>/device leads to the USB interface; its parent has idVendor. */
function linuxPorts(): SerialBoard[] {
    const root = "/sys/class/tty"
    if (!existsSync(root)) return []
    const found: SerialBoard[] = []
    for (const name of readdirSync(root)) {
        if (!/^tty(USB|ACM)\d+$/.test(name)) continue
        let dir = realpathSync(join(root, name, "device"))
        for (let up = 0; up < 4 && !existsSync(join(dir, "idVendor")); up++) dir = join(dir, "..")
        const vendorFile = join(dir, "idVendor")
        if (!existsSync(vendorFile)) continue
        const vendor = readFileSync(vendorFile, "utf8").trim().toLowerCase()
        if (ESP32_USB_VENDORS[vendor]) found.push({ path: "/dev/" + name, description: ESP32_USB_VENDORS[vendor] })
    }
    return found
}

/** macOS names USB serial ports after their driver. */
function macPorts(): SerialBoard[] {
    if (process.platform !== "darwin" || !existsSync("/dev")) return []
    return readdirSync("/dev")
        .filter((n) => /^cu\.(usbserial|usbmodem|SLAB_USBtoUART|wchusbserial)/.test(n))
        .map((n) => ({ path: "/dev/" + n, description: "USB serial" }))
}

export function findBoards(env = process.env): SerialBoard[] {
    const given = env.ACTIVECARD_HIL_PORTS
    if (given) return given.split(",").filter((p) => p.trim() !== "").map((p) => ({ path: p.trim(), description: "from ACTIVECARD_HIL_PORTS" }))
    return [...linuxPorts(), ...macPorts()]
}
