ln -s "$OUTSIDE/secret.txt" data/s.txt
ln -s a.txt data/inside.txt
ln -s /dev/zero data/dev.txt
