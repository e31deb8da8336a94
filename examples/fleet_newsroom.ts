// fleet_newsroom.ts — both agents of examples/fleet.nano, researcher → writer.
//
// The researcher reads the notes, asks the model for a one-line summary and sends both
// to the writer. The writer waits for that message, asks the model for a title and
// writes the report. Each agent knows its part by the tools its manifest grants it:
// only the researcher may send, only the writer may receive.
//
//   nanos compile examples/fleet_newsroom.ts -o examples/build/fleet_newsroom.wasm
//   nanos orchestrate examples/fleet.nano
import { agent, fleet, fs, llm, NanosError } from "nanos";

function firstLine(text: string): string {
  return text.trim().split("\n")[0].trim();
}

function research(): void {
  const notes = fs.readFile("data/notes.txt");
  const summary = firstLine(llm.infer({
    system: "You summarise meeting notes in one short sentence.",
    prompt: notes,
    max_tokens: 40,
  }));
  agent.log(`summary: ${summary}`);
  const [writer] = fleet.peers();
  fleet.send(writer, JSON.stringify({ summary, notes }));
  agent.done(`sent the notes and their summary to ${writer}`);
}

function write(): void {
  const message = fleet.recv(60_000);
  if (message === null) {
    agent.log("error", "no message arrived within 60 s");
    process.exit(1);
  }
  const { summary, notes } = JSON.parse(message.msg);
  const title = firstLine(llm.infer({
    system: "You write short titles. Answer with the title only.",
    prompt: `A title for this report: ${summary}`,
    max_tokens: 16,
  }));
  fs.writeFile("out/report.txt", `${title}\n\n${summary}\n\nNotes (from ${message.from}):\n${notes}`);
  agent.done(`wrote out/report.txt from ${message.from}'s message`);
}

try {
  if (agent.getTools().includes("agent_send")) research();
  else write();
} catch (error: unknown) {
  if (error instanceof NanosError) {
    agent.log("error", `${error.call} failed with ${error.code}: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
