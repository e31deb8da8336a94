// ATTACK: imports JSON from outside the agent's folder; esbuild inlines JSON.
// MUST: nanos compile fails and writes no module holding the secret.
import { agent } from "nanos";
import data from "../secret/secret.json";
agent.log(JSON.stringify(data));
