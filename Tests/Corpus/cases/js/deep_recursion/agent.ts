// ATTACK: unbounded JS recursion, and JSON.parse of 1,000,000 nested arrays.
// MUST: both throw inside the agent (QuickJS's own stack limit, within the 64 MiB
// interpreter stack); the agent exits 0. A trap would be acceptable, a host crash not.
let caught = 0;
function down(n: number): number {
  return down(n + 1) + 1;
}
try {
  down(0);
} catch (error: unknown) {
  if (error instanceof RangeError) caught++;
}
try {
  JSON.parse("[".repeat(1_000_000) + "]".repeat(1_000_000));
} catch {
  caught++;
}
process.exit(caught === 2 ? 0 : 1);
