# goal: jansen-rit-alpha
# expect: no-credit
# A 1 GB results.json (sparse, so it costs no disk) that starts like valid JSON.
# %%
with open("results.json", "w") as out:
    out.write('{"peak_frequency_hz": 10.742, "pad": "')
    out.truncate(1 << 30)
