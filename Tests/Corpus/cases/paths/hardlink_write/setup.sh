ln "$OUTSIDE/secret.txt" out/hl.txt
