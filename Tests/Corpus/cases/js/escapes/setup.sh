ln -s "$OUTSIDE" data/link
