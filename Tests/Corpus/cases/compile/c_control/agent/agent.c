/* CONTROL: includes nanos.h and a header of its own folder.
 * MUST: nanos compile succeeds (so the refusals above are about their includes). */
#include "nanos.h"
#include "own.h"
NANOS_ENTRY int run(void) {
    nanos_log(NANOS_LOG_INFO, greeting);
    return 0;
}
