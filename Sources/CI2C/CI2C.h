// The i2c-dev user-space interface: I2C_FUNCS, I2C_RDWR, I2C_SLAVE, I2C_SMBUS and their structs.
#ifndef HEARTH_CI2C_H
#define HEARTH_CI2C_H

#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>
#include <sys/ioctl.h>

// ioctl(2) is variadic, which Swift cannot call; this fixed-arity wrapper is the only way in.
static inline int hearthIoctl(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}

#endif
