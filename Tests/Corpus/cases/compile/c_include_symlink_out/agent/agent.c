/* ATTACK: #include "inc.h", which set-up makes a symlink to <outside>/secret.h.
 * MUST: nanos compile fails and writes no module holding the secret. */
#include "nanos.h"
#include "inc.h"

NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, secret);
    return 0;
}
