// MD5 and HMAC-MD5 known-answer vectors, transcribed from the published standards.
//
// Sources:
//   RFC 1321 (The MD5 Message-Digest Algorithm, April 1992), Appendix A.5 "Test suite":
//     the seven messages of the `md5 -x` test suite and their digests.
//   RFC 2202 (Test Cases for HMAC-MD5 and HMAC-SHA-1, September 1997), Section 2 "Test Cases
//     for HMAC-MD5", test_case 1 to test_case 7. Test cases 1 to 3 are also the three test
//     vectors of RFC 2104 (HMAC: Keyed-Hashing for Message Authentication, February 1997),
//     section "Test Vectors" at the end of Appendix -- Sample Code.
//   Where the RFCs give key or data as an ASCII string in double quotes, it is given here as
//   the hex of those bytes (no trailing NUL); "0xNN repeated K times" is written out in full.
//   Test case 5 lists both the full digest and digest-96; the full 128-bit digest is used here.
//
// Every value was also checked against an independent implementation (Python hashlib/hmac)
// when transcribed.

import type { HmacVector } from "./hmac-sha1"

export interface Md5Vector {
    name: string
    /** hex */
    message: string
    digest: string
}

export const MD5_VECTORS: Md5Vector[] = [
    {
        name: "RFC 1321 A.5 (empty message)",
        // ""
        message: "",
        digest: "d41d8cd98f00b204e9800998ecf8427e",
    },
    {
        name: "RFC 1321 A.5 \"a\"",
        // "a"
        message: "61",
        digest: "0cc175b9c0f1b6a831c399e269772661",
    },
    {
        name: "RFC 1321 A.5 \"abc\"",
        // "abc"
        message: "616263",
        digest: "900150983cd24fb0d6963f7d28e17f72",
    },
    {
        name: "RFC 1321 A.5 \"message digest\"",
        // "message digest"
        message: "6d65737361676520646967657374",
        digest: "f96b697d7cb7938d525a2f31aaf161d0",
    },
    {
        name: "RFC 1321 A.5 \"abc...xyz\"",
        // "abcdefghijklmnopqrstuvwxyz"
        message: "6162636465666768696a6b6c6d6e6f707172737475767778797a",
        digest: "c3fcd3d76192e4007dfb496cca67e13b",
    },
    {
        name: "RFC 1321 A.5 \"ABC...xyz012...9\"",
        // "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        message: "4142434445464748494a4b4c4d4e4f505152535455565758595a6162636465666768696a6b6c6d6e6f707172737475767778797a30313233343536373839",
        digest: "d174ab98d277d9f5a5611c2c9f419d9f",
    },
    {
        name: "RFC 1321 A.5 \"1234567890\" x 8",
        // "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
        message: "3132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334353637383930",
        digest: "57edf4a22be3c955ac49da2e2107b67a",
    },
]

export const HMAC_MD5_VECTORS: HmacVector[] = [
    {
        name: "RFC 2202 test case 1",
        // 0x0b repeated 16 times
        key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        // "Hi There"
        data: "4869205468657265",
        mac: "9294727a3638bb1c13f48ef8158bfc9d",
    },
    {
        name: "RFC 2202 test case 2",
        // "Jefe"
        key: "4a656665",
        // "what do ya want for nothing?"
        data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        mac: "750c783e6ab0b503eaa86e310a5db738",
    },
    {
        name: "RFC 2202 test case 3",
        // 0xaa repeated 16 times
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // 0xdd repeated 50 times
        data: "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        mac: "56be34521d144c88dbb8c733f0e8b3f6",
    },
    {
        name: "RFC 2202 test case 4",
        key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
        // 0xcd repeated 50 times
        data: "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        mac: "697eaf0aca3a3aea3a75164746ffaa79",
    },
    {
        name: "RFC 2202 test case 5",
        // 0x0c repeated 16 times
        key: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        // "Test With Truncation"
        data: "546573742057697468205472756e636174696f6e",
        // RFC digest (full); the RFC's digest-96 is 56461ef2342edc00f9bab995
        mac: "56461ef2342edc00f9bab995690efd4c",
    },
    {
        name: "RFC 2202 test case 6",
        // 0xaa repeated 80 times
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // "Test Using Larger Than Block-Size Key - Hash Key First"
        data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        mac: "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
    },
    {
        name: "RFC 2202 test case 7",
        // 0xaa repeated 80 times
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
        data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
        mac: "6f630fad67cda0ee1fb1f562db3aa53e",
    },
]
