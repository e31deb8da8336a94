/* ATTACK: #embed "/etc/hostname" (C23): host bytes baked into the module.
 * MUST: nanos compile fails and writes no module. */
#include "nanos.h"
static const char host[] = {
#embed "/etc/hostname"
    , 0
};
NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, host);
    return 0;
}
