#ifndef NANOS_CNATS_SHIM_H
#define NANOS_CNATS_SHIM_H

// Thin umbrella for the libnats C client (Debian: libnats-dev, 3.4.x).
#include <nats/nats.h>

#endif
