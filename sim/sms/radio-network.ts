// What the simulator's radio network carries between the SMSC and the handsets (the card's
// modem): a short message as the handset stores it, and the attach / memory-available signals.
// A handset with full message memory refuses a delivery; the SMSC keeps the message and tries
// again when the handset says memory is free again (the SMMA procedure of 3GPP TS 23.040 9.2.3.5).

export interface ShortMessage {
    /** The originator as the handset shows it: "+" and digits for an international number, else as sent. */
    from: string
    text: string
    /** The service centre time stamp: when the SMSC accepted the message. */
    time: Date
}

export interface Handset {
    /** Stores an arriving message; false when the handset's memory is full. */
    deliver(sms: ShortMessage): boolean
}

export interface RadioNetwork {
    attach(msisdn: string, handset: Handset): void
    detach(msisdn: string): void
    /** The handset has room again: deliver what waits for it. */
    memoryAvailable(msisdn: string): void
}

/** An MSISDN as a key: digits only, without the leading "+". */
export function msisdnKey(msisdn: string): string {
    return msisdn.startsWith("+") ? msisdn.slice(1) : msisdn
}
