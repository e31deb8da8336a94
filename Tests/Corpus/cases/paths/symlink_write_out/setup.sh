ln -s "$OUTSIDE" out/link
ln -s "$OUTSIDE/secret.txt" out/f.txt
ln -s "$OUTSIDE/new.txt" out/dangling.txt
