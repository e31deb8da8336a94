// test_agent.ts — the original project's test agent, as a nanos JS/TS guest.
//
// Reads the instruction in data/instruction.txt, asks the model for the secret
// code it mentions, writes the code to out/secret.txt and finishes. The manifest
// grants only that file to read and that file to write (agent_js.nano).
//
//   nanos compile examples/test_agent.ts -o examples/build/test_agent.wasm
//   nanos run examples/agent_js.nano
import { fs, llm, agent, NanosError } from "nanos";

const CODE_PATTERN = /\d+(?:-\d+)+/;

function main(): void {
  const instruction = fs.readFile("data/instruction.txt").trim();
  agent.log(`instruction: ${instruction}`);

  const answer = llm.infer({
    system: "You follow instructions exactly and answer with nothing else.",
    prompt: `${instruction}\nReply with only the secret code.`,
    max_tokens: 16,
  });
  agent.log(`model answered: ${JSON.stringify(answer)}`);

  // A small model may wrap the code in words: keep only the code when it is there.
  const code = answer.match(CODE_PATTERN)?.[0] ?? answer.trim();
  fs.writeFile("out/secret.txt", `${code}\n`);
  agent.done(`wrote ${code} to out/secret.txt`);
}

try {
  main();
} catch (error: unknown) {
  if (error instanceof NanosError) {
    agent.log("error", `${error.call} failed with ${error.code}: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
