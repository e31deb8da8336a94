ln "$OUTSIDE/secret.txt" data/hl.txt
