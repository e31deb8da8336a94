// ATTACK: allocate 1 MB arrays forever and keep them.
// MUST: out_of_memory (exit 5) at resources.memory = 48MB; host memory within the bound.
const keep: number[][] = [];
for (;;) {
  keep.push(new Array(131072).fill(keep.length));
}
