# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)kernel died
# Kills its own kernel: that is the notebook's failure, not missing data.
# %%
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
