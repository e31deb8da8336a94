import os, time
os.makedirs("data/real", exist_ok=True)
with open("data/real/secret.txt", "w") as f:
    f.write("harmless\n")
os.symlink("real", "data/d")
outside = os.environ["OUTSIDE"]
if os.fork() == 0:
    end = time.time() + 30
    while time.time() < end:
        for target in (outside, "real"):
            try:
                os.symlink(target, "data/tmp.lnk")
                os.rename("data/tmp.lnk", "data/d")
            except OSError:
                try:
                    os.unlink("data/tmp.lnk")
                except OSError:
                    pass
    os._exit(0)
time.sleep(0.2)
