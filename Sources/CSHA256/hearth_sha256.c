#include "hearth_sha256.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

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

static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

// The register state the operating system saves on a context switch (XCR0): AVX and AVX-512
// registers are usable only where it saves them.
__attribute__((target("xsave"))) static uint64_t saved_state(void) { return _xgetbv(0); }

int hearth_sha256_features(void) {
    unsigned int a, b, c, d;
    int features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int sse41 = (c >> 19) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    uint64_t xcr0 = osxsave ? saved_state() : 0;
    int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xE6) == 0xE6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (sse41 && (b & (1u << 29))) features |= HEARTH_SHA256_FEATURE_SHANI;
    if (avx && ymm && (b & (1u << 5))) features |= HEARTH_SHA256_FEATURE_AVX2;
    if (zmm && (b & (1u << 16))) features |= HEARTH_SHA256_FEATURE_AVX512;
    return features;
}

// Four rounds: the message words X plus constants, two rnds2 steps.
#define ROUNDS(X, group)                                                                    \
    do {                                                                                    \
        msg = _mm_add_epi32((X), _mm_loadu_si128((const __m128i *)&K[4 * (group)]));        \
        state1 = _mm_sha256rnds2_epu32(state1, state0, msg);                                \
        msg = _mm_shuffle_epi32(msg, 0x0E);                                                 \
        state0 = _mm_sha256rnds2_epu32(state0, state1, msg);                                \
    } while (0)

// The message schedule: Y += W[t-7] part and finish with msg2; P gets msg1 for later.
#define SCHEDULE2(X, P, Y)                                                                  \
    do {                                                                                    \
        tmp = _mm_alignr_epi8((X), (P), 4);                                                 \
        (Y) = _mm_add_epi32((Y), tmp);                                                      \
        (Y) = _mm_sha256msg2_epu32((Y), (X));                                               \
    } while (0)

// One compression of a block given as 16 native words into state (A..H).
__attribute__((target("sha,sse4.1"))) static inline void compress_shani(uint32_t state[8], const uint32_t w[16]) {
    __m128i state0, state1, msg, tmp, m0, m1, m2, m3, abef, cdgh;
    tmp = _mm_loadu_si128((const __m128i *)&state[0]);
    state1 = _mm_loadu_si128((const __m128i *)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);          // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);    // EFGH
    state0 = _mm_alignr_epi8(tmp, state1, 8);    // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0); // CDGH
    abef = state0;
    cdgh = state1;

    m0 = _mm_loadu_si128((const __m128i *)&w[0]);
    m1 = _mm_loadu_si128((const __m128i *)&w[4]);
    m2 = _mm_loadu_si128((const __m128i *)&w[8]);
    m3 = _mm_loadu_si128((const __m128i *)&w[12]);

    ROUNDS(m0, 0);
    ROUNDS(m1, 1); m0 = _mm_sha256msg1_epu32(m0, m1);
    ROUNDS(m2, 2); m1 = _mm_sha256msg1_epu32(m1, m2);
    ROUNDS(m3, 3); SCHEDULE2(m3, m2, m0); m2 = _mm_sha256msg1_epu32(m2, m3);
    ROUNDS(m0, 4); SCHEDULE2(m0, m3, m1); m3 = _mm_sha256msg1_epu32(m3, m0);
    ROUNDS(m1, 5); SCHEDULE2(m1, m0, m2); m0 = _mm_sha256msg1_epu32(m0, m1);
    ROUNDS(m2, 6); SCHEDULE2(m2, m1, m3); m1 = _mm_sha256msg1_epu32(m1, m2);
    ROUNDS(m3, 7); SCHEDULE2(m3, m2, m0); m2 = _mm_sha256msg1_epu32(m2, m3);
    ROUNDS(m0, 8); SCHEDULE2(m0, m3, m1); m3 = _mm_sha256msg1_epu32(m3, m0);
    ROUNDS(m1, 9); SCHEDULE2(m1, m0, m2); m0 = _mm_sha256msg1_epu32(m0, m1);
    ROUNDS(m2, 10); SCHEDULE2(m2, m1, m3); m1 = _mm_sha256msg1_epu32(m1, m2);
    ROUNDS(m3, 11); SCHEDULE2(m3, m2, m0); m2 = _mm_sha256msg1_epu32(m2, m3);
    ROUNDS(m0, 12); SCHEDULE2(m0, m3, m1); m3 = _mm_sha256msg1_epu32(m3, m0);
    ROUNDS(m1, 13); SCHEDULE2(m1, m0, m2);
    ROUNDS(m2, 14); SCHEDULE2(m2, m1, m3);
    ROUNDS(m3, 15);

    state0 = _mm_add_epi32(state0, abef);
    state1 = _mm_add_epi32(state1, cdgh);
    tmp = _mm_shuffle_epi32(state0, 0x1B);       // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);    // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0); // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);    // ABEF
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

// Two nonces at a time: the two streams' rounds have no data in common, so the CPU runs them
// side by side and hides the latency of sha256rnds2 that a single stream waits on.
__attribute__((target("sha,sse4.1"))) static int scan_shani(const uint32_t midstate[8], const uint32_t tail[3],
                                                            uint32_t first, uint32_t count, uint32_t target_top,
                                                            uint32_t *found, int max_found) {
    uint32_t block_a[16] = {tail[0], tail[1], tail[2], 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640};
    uint32_t block_b[16] = {tail[0], tail[1], tail[2], 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 640};
    uint32_t second_a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 256};
    uint32_t second_b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0x80000000u, 0, 0, 0, 0, 0, 0, 256};
    int written = 0;
    uint32_t i = 0;
    for (; i + 1 < count; i += 2) {
        uint32_t nonce = first + i;
        uint32_t a[8], b[8];
        for (int j = 0; j < 8; j++) a[j] = b[j] = midstate[j];
        block_a[3] = __builtin_bswap32(nonce);
        block_b[3] = __builtin_bswap32(nonce + 1);
        compress_shani(a, block_a);
        compress_shani(b, block_b);
        for (int j = 0; j < 8; j++) {
            second_a[j] = a[j];
            second_b[j] = b[j];
            a[j] = b[j] = IV[j];
        }
        compress_shani(a, second_a);
        compress_shani(b, second_b);
        if (__builtin_bswap32(a[7]) <= target_top && written < max_found) found[written++] = nonce;
        if (__builtin_bswap32(b[7]) <= target_top && written < max_found) found[written++] = nonce + 1;
    }
    for (; i < count; i++) {
        uint32_t nonce = first + i;
        uint32_t a[8];
        for (int j = 0; j < 8; j++) a[j] = midstate[j];
        block_a[3] = __builtin_bswap32(nonce);
        compress_shani(a, block_a);
        for (int j = 0; j < 8; j++) {
            second_a[j] = a[j];
            a[j] = IV[j];
        }
        compress_shani(a, second_a);
        if (__builtin_bswap32(a[7]) <= target_top && written < max_found) found[written++] = nonce;
    }
    return written;
}

int hearth_sha256d_scan_shani(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_SHANI)) return -1;
    return scan_shani(midstate, tail, first, count, target_top, found, max_found);
}

// Eight lanes of 32 bits in the 256-bit registers of AVX2.
#define VEC __m256i
#define LANES 8
#define ADD(x, y) _mm256_add_epi32((x), (y))
#define XOR3(x, y, z) _mm256_xor_si256(_mm256_xor_si256((x), (y)), (z))
#define CH(e, f, g) _mm256_xor_si256((g), _mm256_and_si256((e), _mm256_xor_si256((f), (g))))
#define MAJ(a, b, c) _mm256_or_si256(_mm256_and_si256((a), (b)), _mm256_and_si256((c), _mm256_or_si256((a), (b))))
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))
#define SHR(x, n) _mm256_srli_epi32((x), (n))
#define SET1(x) _mm256_set1_epi32((int)(x))
#define LOADU(p) _mm256_loadu_si256((const __m256i *)(p))
#define STOREU(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define KERNEL_NAME scan_avx2
#define KERNEL_TARGET __attribute__((target("avx2")))
#include "lanes.h"
#undef VEC
#undef LANES
#undef ADD
#undef XOR3
#undef CH
#undef MAJ
#undef ROR
#undef SHR
#undef SET1
#undef LOADU
#undef STOREU
#undef KERNEL_NAME
#undef KERNEL_TARGET

// Sixteen lanes in AVX-512's registers, with its rotate and three-input logic instructions.
#define VEC __m512i
#define LANES 16
#define ADD(x, y) _mm512_add_epi32((x), (y))
#define XOR3(x, y, z) _mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define CH(e, f, g) _mm512_ternarylogic_epi32((e), (f), (g), 0xCA)
#define MAJ(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xE8)
#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define SHR(x, n) _mm512_srli_epi32((x), (n))
#define SET1(x) _mm512_set1_epi32((int)(x))
#define LOADU(p) _mm512_loadu_si512((const void *)(p))
#define STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define KERNEL_NAME scan_avx512
#define KERNEL_TARGET __attribute__((target("avx512f")))
#include "lanes.h"

int hearth_sha256d_scan_avx2(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                             uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_AVX2)) return -1;
    return scan_avx2(midstate, tail, first, count, target_top, found, max_found);
}

int hearth_sha256d_scan_avx512(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                               uint32_t target_top, uint32_t *found, int max_found) {
    if (!(hearth_sha256_features() & HEARTH_SHA256_FEATURE_AVX512)) return -1;
    return scan_avx512(midstate, tail, first, count, target_top, found, max_found);
}

#else

int hearth_sha256_features(void) { return 0; }

int hearth_sha256d_scan_avx2(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                             uint32_t target_top, uint32_t *found, int max_found) {
    (void)midstate; (void)tail; (void)first; (void)count; (void)target_top; (void)found; (void)max_found;
    return -1;
}

int hearth_sha256d_scan_avx512(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                               uint32_t target_top, uint32_t *found, int max_found) {
    (void)midstate; (void)tail; (void)first; (void)count; (void)target_top; (void)found; (void)max_found;
    return -1;
}

int hearth_sha256d_scan_shani(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found) {
    (void)midstate; (void)tail; (void)first; (void)count; (void)target_top; (void)found; (void)max_found;
    return -1;
}

#endif
