# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)task|process|resource|kernel died|timeout|fork
# A fork bomb, bounded only by the sandbox.
# %%
import os, time
children = 0
for _ in range(5000):
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
    children += 1
time.sleep(3)
