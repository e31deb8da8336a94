// CONTROL: a TS agent that imports a sibling file and the SDK.
// MUST: nanos compile succeeds (so the refusals above are about their imports).
import { agent } from "nanos";
import { greeting } from "./lib";
agent.log(greeting);
