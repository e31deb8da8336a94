mkfifo data/fifo out/fifo
mkdir data/dir out/dir
