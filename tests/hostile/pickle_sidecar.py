# goal: jansen-rit-alpha
# expect: no-credit
# absent: HOSTILE_PICKLE_RAN
# Plants evidence sidecars holding pickles (code that would run if the replay loaded them carelessly).
# %%
import json, os, pickle
where = os.environ.get("EVOLVE" + "_EVIDENCE_DIR", ".")
class Boom:
    def __reduce__(self):
        return (print, ("HOSTILE_PICKLE_RAN",))
import numpy as np
for name in ("conn-000000000000.npz", "rng-1-1.npz"):
    try:
        np.savez(os.path.join(where, name), weights=np.array([Boom()], dtype=object))
    except OSError as error:
        print("refused", error)
json.dump({"peak_frequency_hz": 10.742, "simulated_ms": 2000.0}, open("results.json", "w"))
