# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)output
# Prints until something stops it.
# %%
line = "x" * 10000
while True:
    print(line)
