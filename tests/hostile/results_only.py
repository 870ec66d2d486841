# goal: jansen-rit-alpha
# expect: no-credit
# Writes the known answer and nothing else ("results.json alone" used to earn 0.5).
# %%
import json
json.dump({"peak_frequency_hz": 10.742, "simulated_ms": 2000.0}, open("results.json", "w"))
