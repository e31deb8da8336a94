open("data/‮txt.exe", "w").write("rtl decoy\n")
