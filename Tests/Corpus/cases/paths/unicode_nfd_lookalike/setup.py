open("data/café.txt", "w").write("nfd decoy\n")
