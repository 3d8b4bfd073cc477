// The card application's commands. EAP travels in AUTHENTICATE in the manner of ETSI TS 102 310
// (EAP support in the UICC: INS 88, the EAP packet as data, the EAP response as response data);
// the PIN in ISO 7816-4 VERIFY; the payment offer in a proprietary command (CLA 80); so are the
// transaction terminal's signing commands (the certificate patent's second embodiment).

export const CLA_ISO = 0x00
export const CLA_PROPRIETARY = 0x80

export const INS_SELECT = 0xa4
export const INS_VERIFY = 0x20
export const INS_AUTHENTICATE = 0x88
export const INS_GET_RESPONSE = 0xc0
/** Proprietary: the payment to confirm (canonical encoding); answers whether a PIN is needed. */
export const INS_OFFER_PAYMENT = 0x50

/**
 * Proprietary: a canonical transaction history for the holder to sign (chained when long); 9000
 * once the card shows it, 6A80 malformed, 6985 no certificate on the card.
 */
export const INS_SIGN_HISTORY = 0x2a
/**
 * Proprietary: the signature over that history; 6985 while the holder has not finished, 9000 and
 * the CMS SignedData DER (61xx chained) once signed, 6982 cancelled or wrong password, 6983
 * signing locked. After 9000, 6982 or 6983 the request is over.
 */
export const INS_GET_SIGNATURE = 0x2c

/** SELECT by DF name (P1 04), first occurrence (P2 00). */
export const P1_SELECT_BY_NAME = 0x04
/** VERIFY / AUTHENTICATE: specific reference data (P2 b8 = 1). */
export const P2_SPECIFIC = 0x80

/** The application identifier: a proprietary AID (first nibble F: not registered) "F0" + "ACTIVECARD". */
export const ACTIVECARD_AID = "f041435449564543415244"

/** OFFER PAYMENT response data: 01 when the holder must enter a PIN, 00 otherwise. */
export const OFFER_PIN_REQUIRED = 1
