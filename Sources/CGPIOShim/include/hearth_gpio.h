// One small GPIO API for Hearth, over libgpiod 1.6 or 2.x (picked when this target is compiled).
//
// Every function that can fail returns NULL or -1 and leaves errno set, as libgpiod does, so the
// Swift side maps one errno to one error kind in one place. Values are logical: active-low lines
// are inverted by the kernel, configured once when the line is requested.
#ifndef HEARTH_GPIO_H
#define HEARTH_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The libgpiod API this shim was compiled against: 1 (libgpiod 1.x) or 2 (libgpiod 2.x).
int hearth_gpio_api(void);

/// The version string of the libgpiod that is linked at run time, e.g. "1.6.3" or "2.2.1".
const char *hearth_gpio_library_version(void);

typedef struct hearth_gpio_chip hearth_gpio_chip;
typedef struct hearth_gpio_request hearth_gpio_request;

typedef enum {
    HEARTH_GPIO_INPUT = 0,
    HEARTH_GPIO_OUTPUT = 1,
} hearth_gpio_direction;

typedef enum {
    HEARTH_GPIO_BIAS_AS_IS = 0,
    HEARTH_GPIO_BIAS_DISABLED = 1,
    HEARTH_GPIO_BIAS_PULL_UP = 2,
    HEARTH_GPIO_BIAS_PULL_DOWN = 3,
} hearth_gpio_bias;

typedef enum {
    HEARTH_GPIO_EDGE_NONE = 0,
    HEARTH_GPIO_EDGE_RISING = 1,
    HEARTH_GPIO_EDGE_FALLING = 2,
    HEARTH_GPIO_EDGE_BOTH = 3,
} hearth_gpio_edge;

/// How one line is requested.
typedef struct {
    unsigned int offset;
    hearth_gpio_direction direction;
    bool active_low;
    hearth_gpio_bias bias;
    /// Edge detection, for inputs only.
    hearth_gpio_edge edge;
    /// Logical value an output takes at the moment it is requested (0 or 1).
    int initial_value;
} hearth_gpio_line_config;

/// One edge seen by the kernel. The timestamp is CLOCK_MONOTONIC, in nanoseconds.
typedef struct {
    uint64_t timestamp_ns;
    bool rising;
} hearth_gpio_event;

/// Opens a GPIO character device such as "/dev/gpiochip0". NULL with errno on failure.
hearth_gpio_chip *hearth_gpio_chip_open(const char *path);

/// Closes the chip. Every request made through it must be released first.
void hearth_gpio_chip_close(hearth_gpio_chip *chip);

/// The chip's label (copied, NUL-terminated, cut to fit) and its number of lines. 0, or -1 with errno.
int hearth_gpio_chip_info(hearth_gpio_chip *chip, char *label, size_t label_size, unsigned int *num_lines);

/// The offset of the line with this name, or -1 with errno (ENOENT when no line has that name).
int hearth_gpio_chip_find_line(hearth_gpio_chip *chip, const char *name);

/// Requests one line for exclusive use. NULL with errno on failure (EBUSY: another consumer has it).
hearth_gpio_request *hearth_gpio_request_line(hearth_gpio_chip *chip, const char *consumer,
                                              const hearth_gpio_line_config *config);

/// Gives the line back to the kernel.
void hearth_gpio_request_release(hearth_gpio_request *request);

/// Drives a requested output to a logical value (0 or 1). 0, or -1 with errno.
int hearth_gpio_set_value(hearth_gpio_request *request, int value);

/// Reads the logical value of a requested line: 0 or 1, or -1 with errno.
int hearth_gpio_get_value(hearth_gpio_request *request);

/// Waits up to timeout_ns (0: only look) for an edge event. 1: events are pending, 0: none, -1: errno.
int hearth_gpio_wait_event(hearth_gpio_request *request, int64_t timeout_ns);

/// Reads up to max pending edge events into events (blocks when none are pending: wait first).
/// The number read, or -1 with errno.
int hearth_gpio_read_events(hearth_gpio_request *request, hearth_gpio_event *events, unsigned int max);

#ifdef __cplusplus
}
#endif

#endif
