// HMAC-SHA-1 known-answer vectors, transcribed from the published standard.
//
// Source:
//   RFC 2202 (Test Cases for HMAC-MD5 and HMAC-SHA-1, September 1997),
//   Section 3 "Test Cases for HMAC-SHA-1", test_case 1 to test_case 7.
//   Where the RFC gives key or data as an ASCII string in double quotes, it is given
//   here as the hex of those bytes (no trailing NUL, as the RFC specifies); "0xNN
//   repeated K times" is written out in full.
//   Test case 5 lists both the full digest and digest-96; the full 160-bit digest is
//   used here, as `mac` holds the full output whenever the standard gives it.

export interface HmacVector {
    name: string
    key: string
    data: string
    mac: string
}

export const HMAC_SHA1_VECTORS: HmacVector[] = [
    {
        name: "RFC 2202 test case 1",
        key: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        // "Hi There"
        data: "4869205468657265",
        mac: "b617318655057264e28bc0b6fb378c8ef146be00",
    },
    {
        name: "RFC 2202 test case 2",
        // "Jefe"
        key: "4a656665",
        // "what do ya want for nothing?"
        data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        mac: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    },
    {
        name: "RFC 2202 test case 3",
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // 0xdd repeated 50 times
        data: "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        mac: "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
    },
    {
        name: "RFC 2202 test case 4",
        key: "0102030405060708090a0b0c0d0e0f10111213141516171819",
        // 0xcd repeated 50 times
        data: "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        mac: "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
    },
    {
        name: "RFC 2202 test case 5",
        key: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        // "Test With Truncation"
        data: "546573742057697468205472756e636174696f6e",
        // RFC digest (full); the RFC's digest-96 is 4c1a03424b55e07fe7f27be1
        mac: "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
    },
    {
        name: "RFC 2202 test case 6",
        // 0xaa repeated 80 times
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // "Test Using Larger Than Block-Size Key - Hash Key First"
        data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        mac: "aa4ae5e15272d00e95705637ce8a3b55ed402112",
    },
    {
        name: "RFC 2202 test case 7",
        // 0xaa repeated 80 times
        key: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        // "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
        data: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
        mac: "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
    },
]
