// Checks the ARMv8 SHA-2 mining kernel (Sources/CSHA256) where there is no arm64 machine: built
// for aarch64 and run under QEMU's user-mode emulation by Scripts/arm64-kernel-check.sh. It holds
// the kernel to a plain SHA-256d written here from FIPS 180-4: the genesis block's nonce and no
// other around it, and at an easy target exactly the nonces the reference finds, over an odd
// count, across the top of the nonce space, and with a full result buffer.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth_sha256.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return x >> n | x << (32 - n); }

static void compress(uint32_t h[8], const uint32_t block[16]) {
    uint32_t w[64], v[8];
    memcpy(w, block, 64);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    memcpy(v, h, 32);
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[t] + w[t];
        uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(&v[1], &v[0], 28);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) h[i] += v[i];
}

static const uint32_t IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// The header as big-endian words, and the double hash's last word for a nonce.
static uint32_t header[20];

static uint32_t last_word(uint32_t nonce) {
    uint32_t h[8], block[16] = {0}, second[16] = {0};
    memcpy(h, IV, 32);
    compress(h, header);
    memcpy(block, &header[16], 12);
    block[3] = __builtin_bswap32(nonce);
    block[4] = 0x80000000u;
    block[15] = 640;
    compress(h, block);
    memcpy(second, h, 32);
    second[8] = 0x80000000u;
    second[15] = 256;
    memcpy(h, IV, 32);
    compress(h, second);
    return __builtin_bswap32(h[7]);
}

static int failures = 0, checks = 0;

static void expect(int ok, const char *what) {
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "FAILED: %s\n", what);
    }
}

// The kernel's nonces against the reference's over count nonces from first.
static void agree(uint32_t first, uint32_t count, uint32_t target_top, const char *what) {
    uint32_t midstate[8], *found = malloc(sizeof(uint32_t) * (count + 1)), *expected = malloc(sizeof(uint32_t) * (count + 1));
    memcpy(midstate, IV, 32);
    compress(midstate, header);
    int n = hearth_sha256d_scan_armv8(midstate, &header[16], first, count, target_top, found, (int)count + 1), m = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (last_word(first + i) <= target_top) expected[m++] = first + i;
    }
    expect(n == m && memcmp(found, expected, sizeof(uint32_t) * (size_t)m) == 0, what);
    printf("%s: %d nonce(s) found, %d expected\n", what, n, m);
    free(found);
    free(expected);
}

int main(void) {
    // The genesis block's header, as it is hashed.
    static const char *genesis = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67"
                                 "768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
    unsigned char bytes[80];
    for (int i = 0; i < 80; i++) sscanf(genesis + 2 * i, "%2hhx", &bytes[i]);
    for (int i = 0; i < 20; i++) header[i] = (uint32_t)bytes[4 * i] << 24 | bytes[4 * i + 1] << 16 | bytes[4 * i + 2] << 8 | bytes[4 * i + 3];
    const uint32_t nonce = 2083236893;

    expect(hearth_sha256_features() & HEARTH_SHA256_FEATURE_ARMV8, "the CPU reports the SHA-2 instructions");
    expect(last_word(nonce) == 0, "the reference hashes the genesis block below its target");
    agree(nonce - 1000, 2001, 0, "genesis: its nonce and no other among 2001");
    agree(12345, 20001, 0x00FFFFFF, "one in 256: every share over an odd count");
    agree(0xFFFFF000u, 0x1007, 0x00FFFFFF, "one in 256: across the top of the nonce space");
    agree(7, 1, 0xFFFFFFFF, "a single nonce");

    uint32_t midstate[8], found[3];
    memcpy(midstate, IV, 32);
    compress(midstate, header);
    expect(hearth_sha256d_scan_armv8(midstate, &header[16], 0, 1000, 0xFFFFFFFF, found, 3) == 3, "no more than max_found written");
    expect(hearth_sha256d_scan_shani(midstate, &header[16], 0, 10, 0, found, 3) == -1, "no SHA-NI on arm64");

    printf("ARMv8 kernel: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
