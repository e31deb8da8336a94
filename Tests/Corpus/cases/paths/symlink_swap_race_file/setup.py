import os, sys, time
os.makedirs("data", exist_ok=True)
with open("data/real.txt", "w") as f:
    f.write("harmless\n")
with open("data/f.txt", "w") as f:
    f.write("harmless\n")
secret = os.path.join(os.environ["OUTSIDE"], "secret.txt")
if os.fork() == 0:
    # The swapper: lives in set-up's process group, which the harness kills at the end.
    end = time.time() + 30
    while time.time() < end:
        try:
            os.symlink(secret, "data/tmp.lnk")
            os.rename("data/tmp.lnk", "data/f.txt")
            with open("data/tmp.reg", "w") as f:
                f.write("harmless\n")
            os.rename("data/tmp.reg", "data/f.txt")
        except OSError:
            for leftover in ("data/tmp.lnk", "data/tmp.reg"):
                try:
                    os.unlink(leftover)
                except OSError:
                    pass
    os._exit(0)
time.sleep(0.2)
