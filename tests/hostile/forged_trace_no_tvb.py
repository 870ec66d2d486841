# goal: jansen-rit-alpha
# expect: no-credit
# A notebook with no TVB at all: it writes the trace the evaluator reads and the numbers the goal wants.
# %%
import json, os
record = {"v": 2, "event": "run", "sim": "deadbeef", "pid": os.getpid(), "seq": 1, "form": "run",
          "model": {"class": "JansenRit", "params": {}, "defaults": {}}, "simulation_length": 2000.0,
          "simulated_ms": 2000.0, "outputs": [{"samples": 2000, "period": 1.0, "shape": [6, 76, 1]}], "error": None}
name = "simu" + "lation" + "_tr" + "ace.jsonl"
for folder in (".", os.environ.get("EVOLVE" + "_EVIDENCE_DIR", ".")):
    with open(os.path.join(folder, name), "a") as out:
        out.write(json.dumps(record) + "\n")
json.dump({"peak_frequency_hz": 10.742, "simulated_ms": 2000.0}, open("results.json", "w"))
