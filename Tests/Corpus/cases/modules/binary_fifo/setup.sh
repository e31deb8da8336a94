# agent.wasm is a FIFO that nobody ever writes.
mkfifo agent.wasm
