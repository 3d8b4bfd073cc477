// What the card's TLS 1.3 refuses, and the alert (RFC 8446 6.2) that tells the peer why: every
// parser and check of the client throws a TlsAlert, and nothing else, on input from the air.

export const ALERT_UNEXPECTED_MESSAGE = 10
export const ALERT_BAD_RECORD_MAC = 20
export const ALERT_RECORD_OVERFLOW = 22
export const ALERT_HANDSHAKE_FAILURE = 40
export const ALERT_BAD_CERTIFICATE = 42
export const ALERT_CERTIFICATE_EXPIRED = 45
export const ALERT_CERTIFICATE_UNKNOWN = 46
export const ALERT_ILLEGAL_PARAMETER = 47
export const ALERT_UNKNOWN_CA = 48
export const ALERT_DECODE_ERROR = 50
export const ALERT_DECRYPT_ERROR = 51
export const ALERT_PROTOCOL_VERSION = 70
export const ALERT_MISSING_EXTENSION = 109
export const ALERT_UNSUPPORTED_EXTENSION = 110

export class TlsAlert extends Error {
    constructor(
        readonly alert: number,
        message: string,
    ) {
        super(message)
        this.name = "TlsAlert"
    }
}
