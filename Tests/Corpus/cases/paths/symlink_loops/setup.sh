ln -s loop2 data/loop1
ln -s loop1 data/loop2
mkdir -p data/chain
for i in $(seq 1 50); do ln -s "c$((i + 1))" "data/chain/c$i"; done
mkdir data/chain/c51
ln -s chain/c1 data/deep
