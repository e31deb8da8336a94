// ATTACK: imports a module from outside the agent's folder (../secret/secret.ts) so that
// its content is bundled into the agent.
// MUST: nanos compile fails (non-zero) and writes no module holding the secret.
import { agent } from "nanos";
import { secret } from "../secret/secret";
agent.log(secret);
