import os, time
os.makedirs("out/real", exist_ok=True)
os.symlink("real", "out/d")
outside = os.environ["OUTSIDE"]
if os.fork() == 0:
    # The swapper: lives in set-up's process group, which the harness kills at the end.
    end = time.time() + 30
    while time.time() < end:
        for target in (outside, "real"):
            try:
                os.symlink(target, "out/tmp.lnk")
                os.rename("out/tmp.lnk", "out/d")
            except OSError:
                try:
                    os.unlink("out/tmp.lnk")
                except OSError:
                    pass
    os._exit(0)
time.sleep(0.2)
