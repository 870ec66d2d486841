# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)disk|file too large|no space|quota|EFBIG|size
# Writes until the disk is full.
# %%
chunk = b"\0" * (16 << 20)
with open("filler.bin", "wb") as out:
    for _ in range(400):
        out.write(chunk)
        out.flush()
