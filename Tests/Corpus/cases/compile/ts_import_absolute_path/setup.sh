# ATTACK: set-up writes agent/agent.ts importing <outside>/secret.ts by its absolute path.
# MUST: nanos compile fails and writes no module holding the secret.
mkdir -p agent
printf 'export const secret = "%s";\n' "$SECRET" > "$OUTSIDE/secret.ts"
cat > agent/agent.ts <<EOF
// ATTACK: an absolute import of a file outside the agent's folder.
import { agent } from "nanos";
import { secret } from "$OUTSIDE/secret.ts";
agent.log(secret);
EOF
