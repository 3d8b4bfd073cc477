// What a codec throws for bytes or fields that break their format: an EAP packet, an EAP-AKA
// message, an APDU, a PN532 frame, a payment or its result, a card profile, a RADIUS packet. The
// message says what is wrong. Where a caller must tell one format's refusal from others (the card
// applet answers a malformed APDU with 6700, a PN532 host NACKs a damaged frame, the server
// refuses malformed payment data), the codec throws a subclass of its own.

export class FormatError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "FormatError"
    }
}
