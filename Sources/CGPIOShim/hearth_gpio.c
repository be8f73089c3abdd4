// The GPIO shim: the same small API over libgpiod 1.6 and libgpiod 2.x.
//
// Which API the installed gpiod.h speaks is decided here, at compile time: the 1.6 header defines
// the macros GPIOD_API and GPIOD_BIT, the 2.x header defines none but its include guard.
#include "hearth_gpio.h"

#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>
#include <string.h>

#if defined(GPIOD_API) && defined(GPIOD_BIT)
#define HEARTH_LIBGPIOD_API 1
#else
#define HEARTH_LIBGPIOD_API 2
#endif

int hearth_gpio_api(void) { return HEARTH_LIBGPIOD_API; }

static void copy_label(char *label, size_t label_size, const char *source) {
    if (label == NULL || label_size == 0) return;
    if (source == NULL) source = "";
    strncpy(label, source, label_size - 1);
    label[label_size - 1] = '\0';
}

// Chips are the library's own type in both APIs; the shim's handle is that pointer.
struct hearth_gpio_chip;

hearth_gpio_chip *hearth_gpio_chip_open(const char *path) {
    return (hearth_gpio_chip *)gpiod_chip_open(path);
}

void hearth_gpio_chip_close(hearth_gpio_chip *chip) {
    if (chip != NULL) gpiod_chip_close((struct gpiod_chip *)chip);
}

#if HEARTH_LIBGPIOD_API == 1
// ---------------------------------------------------------------- libgpiod 1.x

struct hearth_gpio_request {
    struct gpiod_line *line;
};

const char *hearth_gpio_library_version(void) { return gpiod_version_string(); }

int hearth_gpio_chip_info(hearth_gpio_chip *chip, char *label, size_t label_size, unsigned int *num_lines) {
    struct gpiod_chip *c = (struct gpiod_chip *)chip;
    copy_label(label, label_size, gpiod_chip_label(c));
    if (num_lines != NULL) *num_lines = gpiod_chip_num_lines(c);
    return 0;
}

int hearth_gpio_chip_find_line(hearth_gpio_chip *chip, const char *name) {
    struct gpiod_line *line = gpiod_chip_find_line((struct gpiod_chip *)chip, name);
    if (line == NULL) {
        if (errno == 0) errno = ENOENT;
        return -1;
    }
    return (int)gpiod_line_offset(line);
}

hearth_gpio_request *hearth_gpio_request_line(hearth_gpio_chip *chip, const char *consumer,
                                              const hearth_gpio_line_config *config) {
    struct gpiod_line *line = gpiod_chip_get_line((struct gpiod_chip *)chip, config->offset);
    if (line == NULL) return NULL;

    struct gpiod_line_request_config request = {.consumer = consumer, .request_type = 0, .flags = 0};
    if (config->direction == HEARTH_GPIO_OUTPUT) {
        request.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
    } else {
        switch (config->edge) {
        case HEARTH_GPIO_EDGE_NONE: request.request_type = GPIOD_LINE_REQUEST_DIRECTION_INPUT; break;
        case HEARTH_GPIO_EDGE_RISING: request.request_type = GPIOD_LINE_REQUEST_EVENT_RISING_EDGE; break;
        case HEARTH_GPIO_EDGE_FALLING: request.request_type = GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE; break;
        case HEARTH_GPIO_EDGE_BOTH: request.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES; break;
        default: errno = EINVAL; return NULL;
        }
    }
    if (config->active_low) request.flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
    switch (config->bias) {
    case HEARTH_GPIO_BIAS_AS_IS: break;
    case HEARTH_GPIO_BIAS_DISABLED: request.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
    case HEARTH_GPIO_BIAS_PULL_UP: request.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
    case HEARTH_GPIO_BIAS_PULL_DOWN: request.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
    default: errno = EINVAL; return NULL;
    }

    hearth_gpio_request *result = calloc(1, sizeof *result);
    if (result == NULL) return NULL;
    if (gpiod_line_request(line, &request, config->initial_value ? 1 : 0) < 0) {
        int saved = errno;
        free(result);
        errno = saved;
        return NULL;
    }
    result->line = line;
    return result;
}

void hearth_gpio_request_release(hearth_gpio_request *request) {
    if (request == NULL) return;
    gpiod_line_release(request->line);
    free(request);
}

int hearth_gpio_set_value(hearth_gpio_request *request, int value) {
    return gpiod_line_set_value(request->line, value ? 1 : 0);
}

int hearth_gpio_get_value(hearth_gpio_request *request) { return gpiod_line_get_value(request->line); }

int hearth_gpio_wait_event(hearth_gpio_request *request, int64_t timeout_ns) {
    if (timeout_ns < 0) timeout_ns = 0;
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    return gpiod_line_event_wait(request->line, &timeout);
}

int hearth_gpio_read_events(hearth_gpio_request *request, hearth_gpio_event *events, unsigned int max) {
    enum { chunk = 16 };
    struct gpiod_line_event raw[chunk];
    if (max > chunk) max = chunk;
    int count = gpiod_line_event_read_multiple(request->line, raw, max);
    for (int i = 0; i < count; i++) {
        events[i].timestamp_ns = (uint64_t)raw[i].ts.tv_sec * 1000000000u + (uint64_t)raw[i].ts.tv_nsec;
        events[i].rising = raw[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    }
    return count;
}

#else
// ---------------------------------------------------------------- libgpiod 2.x

enum { event_buffer_capacity = 64 };

struct hearth_gpio_request {
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *events;
    unsigned int offset;
};

const char *hearth_gpio_library_version(void) { return gpiod_api_version(); }

int hearth_gpio_chip_info(hearth_gpio_chip *chip, char *label, size_t label_size, unsigned int *num_lines) {
    struct gpiod_chip_info *info = gpiod_chip_get_info((struct gpiod_chip *)chip);
    if (info == NULL) return -1;
    copy_label(label, label_size, gpiod_chip_info_get_label(info));
    if (num_lines != NULL) *num_lines = (unsigned int)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    return 0;
}

int hearth_gpio_chip_find_line(hearth_gpio_chip *chip, const char *name) {
    int offset = gpiod_chip_get_line_offset_from_name((struct gpiod_chip *)chip, name);
    if (offset < 0 && errno == 0) errno = ENOENT;
    return offset;
}

// Builds the line settings, or returns NULL with errno set.
static struct gpiod_line_settings *make_settings(const hearth_gpio_line_config *config) {
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    if (settings == NULL) return NULL;
    int failed = 0;
    if (config->direction == HEARTH_GPIO_OUTPUT) {
        failed |= gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
        failed |= gpiod_line_settings_set_output_value(
            settings, config->initial_value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
    } else {
        failed |= gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
        enum gpiod_line_edge edge;
        switch (config->edge) {
        case HEARTH_GPIO_EDGE_NONE: edge = GPIOD_LINE_EDGE_NONE; break;
        case HEARTH_GPIO_EDGE_RISING: edge = GPIOD_LINE_EDGE_RISING; break;
        case HEARTH_GPIO_EDGE_FALLING: edge = GPIOD_LINE_EDGE_FALLING; break;
        case HEARTH_GPIO_EDGE_BOTH: edge = GPIOD_LINE_EDGE_BOTH; break;
        default: edge = GPIOD_LINE_EDGE_NONE; failed = -1; break;
        }
        failed |= gpiod_line_settings_set_edge_detection(settings, edge);
        failed |= gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
    }
    gpiod_line_settings_set_active_low(settings, config->active_low);
    enum gpiod_line_bias bias;
    switch (config->bias) {
    case HEARTH_GPIO_BIAS_AS_IS: bias = GPIOD_LINE_BIAS_AS_IS; break;
    case HEARTH_GPIO_BIAS_DISABLED: bias = GPIOD_LINE_BIAS_DISABLED; break;
    case HEARTH_GPIO_BIAS_PULL_UP: bias = GPIOD_LINE_BIAS_PULL_UP; break;
    case HEARTH_GPIO_BIAS_PULL_DOWN: bias = GPIOD_LINE_BIAS_PULL_DOWN; break;
    default: bias = GPIOD_LINE_BIAS_AS_IS; failed = -1; break;
    }
    failed |= gpiod_line_settings_set_bias(settings, bias);
    if (failed) {
        gpiod_line_settings_free(settings);
        errno = EINVAL;
        return NULL;
    }
    return settings;
}

hearth_gpio_request *hearth_gpio_request_line(hearth_gpio_chip *chip, const char *consumer,
                                              const hearth_gpio_line_config *config) {
    hearth_gpio_request *result = calloc(1, sizeof *result);
    struct gpiod_line_settings *settings = make_settings(config);
    struct gpiod_line_config *lines = gpiod_line_config_new();
    struct gpiod_request_config *request = gpiod_request_config_new();
    int saved = ENOMEM;
    if (result == NULL || settings == NULL || lines == NULL || request == NULL) {
        if (settings == NULL && result != NULL) saved = errno;
        goto fail;
    }
    unsigned int offset = config->offset;
    if (gpiod_line_config_add_line_settings(lines, &offset, 1, settings) < 0) {
        saved = errno;
        goto fail;
    }
    gpiod_request_config_set_consumer(request, consumer);
    if (config->direction == HEARTH_GPIO_INPUT && config->edge != HEARTH_GPIO_EDGE_NONE) {
        result->events = gpiod_edge_event_buffer_new(event_buffer_capacity);
        if (result->events == NULL) goto fail;
    }
    result->request = gpiod_chip_request_lines((struct gpiod_chip *)chip, request, lines);
    if (result->request == NULL) {
        saved = errno;
        goto fail;
    }
    result->offset = offset;
    gpiod_request_config_free(request);
    gpiod_line_config_free(lines);
    gpiod_line_settings_free(settings);
    return result;

fail:
    if (result != NULL) gpiod_edge_event_buffer_free(result->events);
    free(result);
    gpiod_request_config_free(request);
    gpiod_line_config_free(lines);
    gpiod_line_settings_free(settings);
    errno = saved;
    return NULL;
}

void hearth_gpio_request_release(hearth_gpio_request *request) {
    if (request == NULL) return;
    gpiod_line_request_release(request->request);
    gpiod_edge_event_buffer_free(request->events);
    free(request);
}

int hearth_gpio_set_value(hearth_gpio_request *request, int value) {
    return gpiod_line_request_set_value(request->request, request->offset,
                                        value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

int hearth_gpio_get_value(hearth_gpio_request *request) {
    enum gpiod_line_value value = gpiod_line_request_get_value(request->request, request->offset);
    return value == GPIOD_LINE_VALUE_ERROR ? -1 : (value == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0);
}

int hearth_gpio_wait_event(hearth_gpio_request *request, int64_t timeout_ns) {
    if (timeout_ns < 0) timeout_ns = 0;
    return gpiod_line_request_wait_edge_events(request->request, timeout_ns);
}

int hearth_gpio_read_events(hearth_gpio_request *request, hearth_gpio_event *events, unsigned int max) {
    if (request->events == NULL) {
        errno = EINVAL;  // the line was not requested with edge detection
        return -1;
    }
    if (max > event_buffer_capacity) max = event_buffer_capacity;
    int count = gpiod_line_request_read_edge_events(request->request, request->events, max);
    for (int i = 0; i < count; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(request->events, (unsigned long)i);
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
        events[i].rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
    }
    return count;
}

#endif
