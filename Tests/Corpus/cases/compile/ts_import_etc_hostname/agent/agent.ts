// ATTACK: imports an absolute host path, /etc/hostname.
// MUST: nanos compile fails and writes no module.
import { agent } from "nanos";
// @ts-ignore
import host from "/etc/hostname";
agent.log(String(host));
