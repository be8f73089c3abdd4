// The body of a multi-lane SHA-256d scan: one nonce per lane of a vector register, every round
// done for all lanes at once. Included once per instruction set by hearth_sha256.c, after it
// defines the vector type and operations (VEC, LANES, ADD, XOR3, CH, MAJ, ROR, SHR, SET1, LOADU,
// STOREU) and the function's name and target attribute (KERNEL_NAME, KERNEL_TARGET). Only macros
// here: a helper function would need the target attribute too.

#define LANE_ROUND(a, b, c, d, e, f, g, h, k, w)                                                      \
    do {                                                                                              \
        VEC t1 = ADD(ADD(ADD(ADD(h, XOR3(ROR(e, 6), ROR(e, 11), ROR(e, 25))), CH(e, f, g)), SET1(k)), w); \
        VEC t2 = ADD(XOR3(ROR(a, 2), ROR(a, 13), ROR(a, 22)), MAJ(a, b, c));                          \
        d = ADD(d, t1);                                                                               \
        h = ADD(t1, t2);                                                                              \
    } while (0)

#define LANE_SCHEDULE(w)                                                                              \
    for (int t = 16; t < 64; t++) {                                                                   \
        VEC s0 = XOR3(ROR(w[t - 15], 7), ROR(w[t - 15], 18), SHR(w[t - 15], 3));                      \
        VEC s1 = XOR3(ROR(w[t - 2], 17), ROR(w[t - 2], 19), SHR(w[t - 2], 10));                       \
        w[t] = ADD(ADD(s1, w[t - 7]), ADD(s0, w[t - 16]));                                            \
    }

#define LANE_COMPRESS(w)                                                                              \
    for (int t = 0; t < 64; t += 8) {                                                                 \
        LANE_ROUND(a, b, c, d, e, f, g, h, K[t + 0], w[t + 0]);                                       \
        LANE_ROUND(h, a, b, c, d, e, f, g, K[t + 1], w[t + 1]);                                       \
        LANE_ROUND(g, h, a, b, c, d, e, f, K[t + 2], w[t + 2]);                                       \
        LANE_ROUND(f, g, h, a, b, c, d, e, K[t + 3], w[t + 3]);                                       \
        LANE_ROUND(e, f, g, h, a, b, c, d, K[t + 4], w[t + 4]);                                       \
        LANE_ROUND(d, e, f, g, h, a, b, c, K[t + 5], w[t + 5]);                                       \
        LANE_ROUND(c, d, e, f, g, h, a, b, K[t + 6], w[t + 6]);                                       \
        LANE_ROUND(b, c, d, e, f, g, h, a, K[t + 7], w[t + 7]);                                       \
    }

KERNEL_TARGET static int KERNEL_NAME(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first,
                                     uint32_t count, uint32_t target_top, uint32_t *found, int max_found) {
    VEC w[64];
    uint32_t words[LANES] __attribute__((aligned(64)));
    int written = 0;
    for (uint64_t i = 0; i < count; i += LANES) {
        for (int lane = 0; lane < LANES; lane++) words[lane] = __builtin_bswap32(first + (uint32_t)i + (uint32_t)lane);
        // The first hash's second block: the header's last 16 bytes, the nonce, the padding.
        w[0] = SET1(tail[0]);
        w[1] = SET1(tail[1]);
        w[2] = SET1(tail[2]);
        w[3] = LOADU(words);
        w[4] = SET1(0x80000000u);
        for (int t = 5; t < 15; t++) w[t] = SET1(0);
        w[15] = SET1(640);
        LANE_SCHEDULE(w);
        VEC a = SET1(midstate[0]), b = SET1(midstate[1]), c = SET1(midstate[2]), d = SET1(midstate[3]);
        VEC e = SET1(midstate[4]), f = SET1(midstate[5]), g = SET1(midstate[6]), h = SET1(midstate[7]);
        LANE_COMPRESS(w);
        // The second hash: one block, the first hash and its padding.
        w[0] = ADD(a, SET1(midstate[0]));
        w[1] = ADD(b, SET1(midstate[1]));
        w[2] = ADD(c, SET1(midstate[2]));
        w[3] = ADD(d, SET1(midstate[3]));
        w[4] = ADD(e, SET1(midstate[4]));
        w[5] = ADD(f, SET1(midstate[5]));
        w[6] = ADD(g, SET1(midstate[6]));
        w[7] = ADD(h, SET1(midstate[7]));
        w[8] = SET1(0x80000000u);
        for (int t = 9; t < 15; t++) w[t] = SET1(0);
        w[15] = SET1(256);
        LANE_SCHEDULE(w);
        a = SET1(IV[0]), b = SET1(IV[1]), c = SET1(IV[2]), d = SET1(IV[3]);
        e = SET1(IV[4]), f = SET1(IV[5]), g = SET1(IV[6]), h = SET1(IV[7]);
        LANE_COMPRESS(w);
        // Only the last state word decides: read as a number, the hash's top 32 bits.
        STOREU(words, ADD(h, SET1(IV[7])));
        for (int lane = 0; lane < LANES && i + (uint64_t)lane < count; lane++) {
            if (__builtin_bswap32(words[lane]) <= target_top && written < max_found) {
                found[written++] = first + (uint32_t)i + (uint32_t)lane;
            }
        }
    }
    return written;
}

#undef LANE_ROUND
#undef LANE_SCHEDULE
#undef LANE_COMPRESS
