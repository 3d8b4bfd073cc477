// Every codec refuses malformed input with FormatError, keeping its message; the subclasses that
// callers catch by name (APDU, PN532 frame, payment, RADIUS) stay apart, and the card applet
// still tells a malformed APDU (6700) from any other failure. Written to run in the VM as well.

import { FormatError } from "../../src/format-error"
import { decodeEap } from "../../src/eap/eap-packet"
import { CONTEXT_REQUEST, decodeAkaMessage } from "../../src/eap/aka-attributes"
import { decodeProfile } from "../../src/card/card-profile"
import { AkaPlatform } from "../../src/eap/aka-crypto"
import { ApduFormatError, decodeCommand } from "../../src/link/apdu"
import { decodePn532Frame, Pn532FrameError } from "../../src/link/pn532-frame"
import { decodePayment, PaymentFormatError } from "../../src/payment/payment"
import { decodeResult } from "../../src/payment/result"
import { checkPacket, RadiusFormatError, REASON_SHORT } from "../../src/radius/packet"
import { toHex } from "../../src/bytes"
import { TestCard } from "./test-card"
import { CryptoCase } from "./crypto-cases"

/** The error `f` throws, which must be a FormatError with `message`. */
function refusal(f: () => void, message: string): FormatError {
    let err: any = null
    try {
        f()
    } catch (e) {
        err = e
    }
    if (err === null) throw new Error("accepted, expected: " + message)
    if (!(err instanceof FormatError)) throw new Error("not a FormatError: " + err)
    if (err.message !== message) throw new Error("message " + err.message + ", expected " + message)
    if (err.name !== "FormatError") throw new Error("name " + err.name)
    return err
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

export function formatErrorCases(platform: AkaPlatform): CryptoCase[] {
    return [
        {
            name: "FormatError: EAP, EAP-AKA, card profile, APDU, PN532 frame, payment, result and RADIUS refusals, messages kept",
            run: () => {
                refusal(() => decodeEap(Buffer.alloc(3)), "EAP packet shorter than its 4-byte header")
                refusal(() => decodeAkaMessage(Buffer.alloc(2), CONTEXT_REQUEST, false), "EAP-AKA message shorter than subtype and reserved fields")
                refusal(() => decodeProfile(Buffer.alloc(1)), "truncated field header")
                refusal(() => decodeCommand(Buffer.alloc(3)), "APDU shorter than its header")
                refusal(() => decodePn532Frame(Buffer.from([1, 2])), "no start code 00 FF")
                refusal(() => decodePayment(Buffer.alloc(3)), "payment too short")
                refusal(() => decodeResult(Buffer.alloc(3)), "payment result too short")
                const radius = refusal(() => checkPacket(Buffer.alloc(3)), "RADIUS format error: short (3 bytes)")
                ok(radius instanceof RadiusFormatError && (radius as RadiusFormatError).reason === REASON_SHORT, "RADIUS reason")
            },
        },
        {
            name: "FormatError subclasses stay apart; the card applet answers a malformed APDU with 6700",
            run: async () => {
                const apdu = refusal(() => decodeCommand(Buffer.alloc(3)), "APDU shorter than its header")
                ok(apdu instanceof ApduFormatError && !(apdu instanceof PaymentFormatError), "APDU refusal is ApduFormatError only")
                const frame = refusal(() => decodePn532Frame(Buffer.from([1, 2])), "no start code 00 FF")
                ok(frame instanceof Pn532FrameError && !(frame instanceof ApduFormatError), "PN532 refusal is Pn532FrameError only")
                const payment = refusal(() => decodePayment(Buffer.alloc(3)), "payment too short")
                ok(payment instanceof PaymentFormatError && !(payment instanceof RadiusFormatError), "payment refusal is PaymentFormatError only")
                const eap = refusal(() => decodeEap(Buffer.alloc(3)), "EAP packet shorter than its 4-byte header")
                ok(!(eap instanceof ApduFormatError) && !(eap instanceof Pn532FrameError) && !(eap instanceof PaymentFormatError), "EAP refusal is no subclass")
                const card = new TestCard(platform, true, 256)
                ok(toHex(await card.applet.process(Buffer.from([0x00, 0xa4, 0x04]))) === "6700", "short APDU answered 6700")
                ok(toHex(await card.applet.process(Buffer.from([0x00, 0xa4, 0x04, 0x00, 0x00, 0x01]))) === "6700", "extended APDU answered 6700")
            },
        },
    ]
}
