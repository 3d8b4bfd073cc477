// The card's certificate functions on a board (src/certificate/certificate-app.ts): SMS notices
// through the modem's SC16IS750 UART bridge (I2C 0x4C; a card without one signs over infrared
// only, and says so once), HTTP over the VM's TCP sockets, and a fiber for the slow work.
// main.ts passes the app to ActiveCard, which routes keys 1 and 2 and the SIGN HISTORY / GET
// SIGNATURE commands to it.

import * as ds from "@devicescript/core"
import { CardPanel } from "../../src/card/active-card"
import { CertificateApp, SmsPort } from "../../src/certificate/certificate-app"
import { AtModem } from "../../src/drivers/at-modem"
import { I2cPort } from "../../src/drivers/i2c-port"
import { DIVISOR_115200, EFR_AUTO_RTS_CTS, SC16IS750_MODEM_ADDRESS, Sc16is750 } from "../../src/drivers/sc16is750"
import { deviceKeyPlatform, devicePlatform } from "../common/platform"
import { deviceSettings } from "../common/settings-port"
import { openTcpStream } from "../common/tcp-byte-stream"

export async function startCertificate(bus: I2cPort | null, panel: CardPanel): Promise<CertificateApp> {
    let sms: SmsPort | null = null
    if (bus !== null) {
        const uart = new Sc16is750(bus, ds.sleep, 500, SC16IS750_MODEM_ADDRESS)
        const modem = new AtModem(uart, ds.sleep, 2000)
        try {
            await uart.configure(DIVISOR_115200, 0, EFR_AUTO_RTS_CTS)
            await modem.begin()
            sms = modem
        } catch (e) {
            console.log("CARD no modem, no SMS notices: " + (e as Error).message)
        }
    }
    const cert = new CertificateApp(
        deviceSettings,
        deviceKeyPlatform(),
        (text: string) => {
            panel.show(text)
        },
        openTcpStream,
        sms,
        devicePlatform.log,
    )
    await cert.load()
    // The slow work (enrolment, signing, HTTP, the modem) in a fiber of its own.
    const stepForever = async () => {
        while (true) {
            await ds.sleep(100)
            try {
                await cert.step()
            } catch (e) {
                console.log("CARD CERTIFICATE STEP FAILED")
            }
        }
    }
    stepForever.start()
    return cert
}
