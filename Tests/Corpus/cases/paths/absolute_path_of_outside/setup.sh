mkdir -p data
printf '%s' "$OUTSIDE/secret.txt" > data/where.txt
printf '%s' "$OUTSIDE/pwn.txt" > data/where_w.txt
