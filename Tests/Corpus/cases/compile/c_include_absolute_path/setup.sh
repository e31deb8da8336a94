# ATTACK: set-up writes agent/agent.c including <outside>/secret.h by its absolute path.
# MUST: nanos compile fails and writes no module holding the secret.
mkdir -p agent
printf 'static const char secret[] = "%s";\n' "$SECRET" > "$OUTSIDE/secret.h"
cat > agent/agent.c <<EOF
/* ATTACK: an absolute #include of a header outside the agent's folder. */
#include "nanos.h"
#include "$OUTSIDE/secret.h"
NANOS_ENTRY int run(void) { nanos_log(NANOS_LOG_INFO, secret); return 0; }
EOF
