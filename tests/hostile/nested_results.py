# goal: jansen-rit-alpha
# expect: no-credit
# results.json nested 200,000 levels deep (RecursionError in a naive reader).
# %%
with open("results.json", "w") as out:
    out.write("[" * 200000 + "]" * 200000)
