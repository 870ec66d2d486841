# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)memory|file too large
# Holds 2 GB in a memfd: no RSS, no file on disk, real memory all the same (stopped by the memory watchdog,
# or first by the per-file size limit, which applies to memfds too).
# %%
import os, time
fd = os.memfd_create("hoard")
chunk = b"x" * (64 << 20)
for _ in range(32):
    os.write(fd, chunk)
time.sleep(5)
