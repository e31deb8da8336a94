/* ATTACK: #include "../secret/secret.h", a header outside the agent's folder.
 * MUST: nanos compile fails and writes no module holding the secret. */
#include "nanos.h"
#include "../secret/secret.h"

NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, secret);
    return 0;
}
