ln -s "$OUTSIDE" data/link
ln -s ../../outside data/rel
ln -s / data/root
