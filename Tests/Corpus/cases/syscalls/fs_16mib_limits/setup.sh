# A sparse file one byte over the 16 MiB read limit.
truncate -s 16777217 data/big.bin
