/* ATTACK: #embed "../secret/secret.txt", a file outside the agent's folder.
 * MUST: nanos compile fails and writes no module holding the secret. */
#include "nanos.h"
static const char secret[] = {
#embed "../secret/secret.txt"
    , 0
};

NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, secret);
    return 0;
}
