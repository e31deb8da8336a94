// web_fetch.ts — fetches the URL in its goal and keeps the body; then shows what the
// policy refuses: another port, another scheme, and a name (localhost) that resolves
// to an address the manifest does not list itself.
//
//   python3 -m http.server 8765 --bind 127.0.0.1 --directory examples/data &
//   nanos compile examples/web_fetch.ts -o examples/build/web_fetch.wasm
//   nanos run examples/web_fetch.nano
import { agent, fs, web, NanosError } from "nanos";

const url = agent.getGoal();
const answer = web.fetch(url);
agent.log(`GET ${url} -> ${answer.status}, ${answer.text().length} characters`);
fs.writeFile("out/fetched.txt", answer.text());

const refused: string[] = [];
for (const other of ["http://127.0.0.1:22/", "ftp://127.0.0.1:8765/notes.txt", "http://localhost:8765/notes.txt"]) {
  try {
    web.fetch(other);
    agent.log("error", `${other} was allowed`);
  } catch (error: unknown) {
    const code = error instanceof NanosError ? error.code : String(error);
    agent.log("warn", `${other} -> ${code}`);
    refused.push(code);
  }
}
agent.done(`fetched ${answer.status}; refused ${refused.join(", ")}`);
