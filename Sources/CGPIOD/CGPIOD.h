// libgpiod, whichever API the build finds: 1.6 defines GPIOD_API and GPIOD_BIT, 2.x does not.
#include <gpiod.h>
