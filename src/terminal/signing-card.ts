// The card as the transaction terminal reaches it to have a transaction history signed (the
// certificate patent's second embodiment, [57]-[62]): the history goes to the card, the holder
// reads it and types the password on the card, and the terminal asks until the card answers with
// its CMS SignedData. Methods throw LinkLostError when the card is out of reach.

import { Response } from "../link/apdu"
import { CardPort } from "./terminal-relay"

export interface SigningCardPort {
    /** Selects the application and passes the history (SIGN HISTORY); the card's status word. */
    signHistory(history: Buffer): Promise<number>
    /** GET SIGNATURE: the status word, and the CMS DER with 9000. */
    getSignature(): Promise<Response>
}

/** A card in the reader's field: it pays and it signs. */
export interface ReaderCard extends CardPort, SigningCardPort {}
