# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)timeout
# limits: cell_timeout_s=6 notebook_timeout_s=10
# Never returns.
# %%
while True:
    pass
