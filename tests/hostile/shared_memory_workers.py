# goal: jansen-rit-alpha
# expect: contained
# absent: memory: exceeded
# An honest pattern: 10 forked workers read one 400 MB array they share. Summed RSS would count it ten
# times (4 GB+) and kill the notebook; memory that is really used is ~0.4 GB.
# %%
import multiprocessing as mp
import numpy as np
big = np.ones(50_000_000)  # 400 MB
def work(i):
    import time
    total = float(big[i::10].sum())
    time.sleep(2)
    return total
with mp.get_context("fork").Pool(10) as pool:
    print(sum(pool.map(work, range(10))))
