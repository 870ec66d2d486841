# goal: jansen-rit-alpha
# expect: no-credit
# Does nothing at all, successfully ("executed" used to earn 0.25).
# %%
pass
