// Field ranges where data enters the server: a payment a terminal sends (amount 1..12 digits of
// minor units, an ISO 4217 currency in circulation), and the values provisioning accepts.

import { describe, expect, test } from "vitest"
import { checkAddress, checkCurrency, checkMinorUnits, FieldError, ISO4217_NUMERIC, parseAmount, parseCurrency, parseWhole } from "../../sim/server/fields"
import { paymentFromAttributes } from "../../sim/server/radius-handler"
import { PaymentFormatError } from "../../src/payment/payment"

const valid = { amount: 15000, currency: 410, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from("0102030405060708", "hex") }

describe("field ranges", () => {
    test("a terminal's payment: amount 0, over 12 digits, or a currency not in ISO 4217 is invalid payment data", () => {
        expect(paymentFromAttributes(valid)!.amount).toBe(15000)
        expect(paymentFromAttributes({ ...valid, amount: 999_999_999_999 })!.amount).toBe(999_999_999_999)
        for (const bad of [{ amount: 0 }, { amount: 1_000_000_000_000 }, { amount: 281474976710655 }, { currency: 999 }, { currency: 1 }]) {
            expect(() => paymentFromAttributes({ ...valid, ...bad }), JSON.stringify(bad)).toThrow(PaymentFormatError)
        }
    })

    test("numbers in decimal digits only, within their range", () => {
        expect(parseAmount("1")).toBe(1)
        expect(parseAmount("999999999999")).toBe(999_999_999_999)
        for (const bad of ["0", "0x10", "1e3", " 5", "-1", "1.5", "", "1000000000000", "99999999999999999999"]) expect(() => parseAmount(bad), bad).toThrow(FieldError)
        expect(parseCurrency("410")).toBe(410)
        expect(parseCurrency("008")).toBe(8)
        for (const bad of ["99999", "999", "0", "0x19a"]) expect(() => parseCurrency(bad), bad).toThrow(FieldError)
        expect(() => parseWhole("65536", "--udp-port", 0, 65535)).toThrow("--udp-port must be 0..65535")
    })

    test("provisioning: balances and limits of at most 12 digits, current currencies, IP addresses", () => {
        expect(() => checkMinorUnits(999_999_999_999, "balance")).not.toThrow()
        expect(() => checkMinorUnits(1e20, "balance")).toThrow("balance must be 0..999999999999 minor units")
        expect(() => checkMinorUnits(1.5, "limit")).toThrow(FieldError)
        for (const c of [410, 840, 978, 392, 826]) expect(() => checkCurrency(c)).not.toThrow()
        expect(() => checkCurrency(191)).toThrow(FieldError) // HRK, replaced by the euro
        expect(ISO4217_NUMERIC.size).toBeGreaterThan(140)
        expect(() => checkAddress("127.0.0.1")).not.toThrow()
        expect(() => checkAddress("::1")).not.toThrow()
        expect(() => checkAddress("999.1.1.1")).toThrow(FieldError)
    })
})
