// APDU links as the card and the terminal reach them, whatever carries the APDUs (NFC, infrared,
// the Card Link service, a simulated field): what the drivers implement and the applications use.

/** The card left the field, or its link stopped answering. */
export class LinkLostError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "LinkLostError"
    }
}

/** Terminal side: one APDU exchange with the card; throws LinkLostError when the card is gone. */
export interface ApduLink {
    transceive(apdu: Buffer): Promise<Buffer>
}

/** Card side: what answers each APDU the reader sends (the card application). */
export interface ApduApp {
    process(apdu: Buffer): Promise<Buffer>
}
