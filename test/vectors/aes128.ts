// AES-128 known-answer vectors, transcribed from the published standards.
//
// Sources:
//   FIPS 197 (Advanced Encryption Standard, November 26, 2001):
//     - Appendix B "Cipher Example" (p. 33): Input 32 43 f6 a8 ..., Cipher Key 2b 7e 15 16 ...
//       The output is the final State of the worked example (round 10, "output" column).
//     - Appendix C.1 "AES-128 (Nk=4, Nr=10)" (p. 35): PLAINTEXT / KEY / round[10].output.
//   NIST SP 800-38A (Recommendation for Block Cipher Modes of Operation, 2001 edition):
//     - Appendix F.1.1 "ECB-AES128.Encrypt" (p. 24): Blocks #1 to #4, each an independent
//       single-block AES-128 encryption under Key 2b7e151628aed2a6abf7158809cf4f3c.
//     - Appendix F.2.1 "CBC-AES128.Encrypt" (p. 27): IV 000102030405060708090a0b0c0d0e0f,
//       Blocks #1 to #4; plaintext and ciphertext are the four blocks concatenated.
//   RFC 3602 (The AES-CBC Cipher Algorithm and Its Use with IPsec), Section 4 "Test Vectors":
//     - Case #1 to Case #4 ("Encrypting 16/32/48/64 bytes (1/2/3/4 blocks) using AES-CBC
//       with 128-bit key"). Cases #1 and #3 give the plaintext as an ASCII string
//       ("Single block msg", "This is a 48-byte message (exactly 3 AES blocks)"); it is
//       given here as the hex of those ASCII bytes. Cases #5 to #8 are ESP packet
//       examples and are not included.
//
// All values are lowercase hex with no separators. No padding is applied: every plaintext
// is a whole number of 16-byte blocks.

export interface Aes128Vector {
    name: string
    key: string
    plaintext: string
    ciphertext: string
}

export const AES128_VECTORS: Aes128Vector[] = [
    {
        name: "FIPS 197 Appendix B",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        plaintext: "3243f6a8885a308d313198a2e0370734",
        ciphertext: "3925841d02dc09fbdc118597196a0b32",
    },
    {
        name: "FIPS 197 C.1",
        key: "000102030405060708090a0b0c0d0e0f",
        plaintext: "00112233445566778899aabbccddeeff",
        ciphertext: "69c4e0d86a7b0430d8cdb78070b4c55a",
    },
    {
        name: "SP 800-38A F.1.1 ECB-AES128 block 1",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        plaintext: "6bc1bee22e409f96e93d7e117393172a",
        ciphertext: "3ad77bb40d7a3660a89ecaf32466ef97",
    },
    {
        name: "SP 800-38A F.1.1 ECB-AES128 block 2",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        plaintext: "ae2d8a571e03ac9c9eb76fac45af8e51",
        ciphertext: "f5d3d58503b9699de785895a96fdbaaf",
    },
    {
        name: "SP 800-38A F.1.1 ECB-AES128 block 3",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        plaintext: "30c81c46a35ce411e5fbc1191a0a52ef",
        ciphertext: "43b1cd7f598ece23881b00e3ed030688",
    },
    {
        name: "SP 800-38A F.1.1 ECB-AES128 block 4",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        plaintext: "f69f2445df4f9b17ad2b417be66c3710",
        ciphertext: "7b0c785e27e8ad3f8223207104725dd4",
    },
]

export interface CbcVector {
    name: string
    key: string
    iv: string
    plaintext: string
    ciphertext: string
}

export const AES128_CBC_VECTORS: CbcVector[] = [
    {
        name: "SP 800-38A F.2.1 CBC-AES128.Encrypt",
        key: "2b7e151628aed2a6abf7158809cf4f3c",
        iv: "000102030405060708090a0b0c0d0e0f",
        plaintext: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        ciphertext: "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
    },
    {
        name: "RFC 3602 section 4 case 1",
        key: "06a9214036b8a15b512e03d534120006",
        iv: "3dafba429d9eb430b422da802c9fac41",
        // "Single block msg"
        plaintext: "53696e676c6520626c6f636b206d7367",
        ciphertext: "e353779c1079aeb82708942dbe77181a",
    },
    {
        name: "RFC 3602 section 4 case 2",
        key: "c286696d887c9aa0611bbb3e2025a45a",
        iv: "562e17996d093d28ddb3ba695a2e6f58",
        plaintext: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        ciphertext: "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1",
    },
    {
        name: "RFC 3602 section 4 case 3",
        key: "6c3ea0477630ce21a2ce334aa746c2cd",
        iv: "c782dc4c098c66cbd9cd27d825682c81",
        // "This is a 48-byte message (exactly 3 AES blocks)"
        plaintext: "5468697320697320612034382d62797465206d657373616765202865786163746c7920332041455320626c6f636b7329",
        ciphertext: "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5021c19216bad525c8579695d83ba2684",
    },
    {
        name: "RFC 3602 section 4 case 4",
        key: "56e47a38c5598974bc46903dba290349",
        iv: "8ce82eefbea0da3c44699ed7db51b7d9",
        plaintext: "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
        ciphertext: "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55",
    },
]
