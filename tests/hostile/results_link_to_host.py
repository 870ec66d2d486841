# goal: jansen-rit-alpha
# expect: no-credit
# absent: root:x:0
# results.json is a link to a host file: the evaluator must not follow it (nor echo its text).
# %%
import os
os.symlink("/etc/passwd", "results.json")
