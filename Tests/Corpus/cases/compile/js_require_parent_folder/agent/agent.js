// ATTACK: require()s a CommonJS file from outside the agent's folder.
// MUST: nanos compile fails and writes no module holding the secret.
const { secret } = require("../secret/secret.js");
globalThis.leak = secret;
