// SHA-256d mining kernels that need instructions Swift cannot reach portably: each kernel is
// compiled for its own instruction set (a per-function target attribute) and chosen at run time
// from cpuid (x86-64) or the kernel's hardware capabilities (aarch64), so one binary runs on any
// CPU of its architecture and uses SHA-NI or the ARMv8 SHA-2 instructions where it has them.
#ifndef HEARTH_SHA256_H
#define HEARTH_SHA256_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bit set of what this CPU can run.
enum {
    HEARTH_SHA256_FEATURE_SHANI = 1,
    HEARTH_SHA256_FEATURE_AVX2 = 2,
    HEARTH_SHA256_FEATURE_AVX512 = 4,
    HEARTH_SHA256_FEATURE_ARMV8 = 8,
};

/// The kernels this CPU supports (a combination of HEARTH_SHA256_FEATURE_*), detected once; 0 on
/// an architecture with none.
int hearth_sha256_features(void);

/// Tries `count` nonces from `first` on a header given by its midstate (the state after its first
/// 64 bytes) and the first three big-endian words of its last 16 bytes. Writes to `found` (up to
/// `max_found`) every nonce whose double hash, read as a number, has its top 32 bits at or below
/// `target_top`; the caller checks those against the full target. Returns how many it wrote, or
/// -1 when the CPU lacks SHA-NI.
int hearth_sha256d_scan_shani(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found);

/// The same scan with one nonce in each 32-bit lane of AVX2's registers (8 at a time); -1 when
/// the CPU or the operating system lacks AVX2.
int hearth_sha256d_scan_avx2(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                             uint32_t target_top, uint32_t *found, int max_found);

/// The same scan in AVX-512's registers (16 nonces at a time); -1 without AVX-512F.
int hearth_sha256d_scan_avx512(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                               uint32_t target_top, uint32_t *found, int max_found);

/// The same scan with the ARMv8 SHA-2 instructions (two nonces at a time); -1 where the CPU lacks
/// them (a Raspberry Pi 4 or Zero 2 W) or off aarch64.
int hearth_sha256d_scan_armv8(const uint32_t midstate[8], const uint32_t tail[3], uint32_t first, uint32_t count,
                              uint32_t target_top, uint32_t *found, int max_found);

#ifdef __cplusplus
}
#endif

#endif
