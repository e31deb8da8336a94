// ATTACK: imports ./lib.ts, which set-up makes a symlink to <outside>/secret.ts.
// MUST: nanos compile fails and writes no module holding the secret.
import { agent } from "nanos";
import { secret } from "./lib";
agent.log(secret);
