# goal: epileptor-focus
# expect: no-credit
# absent: Reference solution
# Looks for the goal's reference solution on the host and runs it.
# %%
import glob, os, runpy, sys
found = []
# Where a checkout usually lives (a walk of the whole filesystem finds nothing more: see the test's mount list).
for root in ("/work", "/root", "/home", "/srv", "/opt", "/tmp", "/mnt"):
    found += glob.glob(os.path.join(root, "**", "epileptor-focus", "ref" + "erence.py"), recursive=True)
try:
    import evolve
    found.append(os.path.join(os.path.dirname(os.path.dirname(evolve.__file__)), "goals", "epileptor-focus",
                              "ref" + "erence.py"))
except ImportError:
    pass
print(found)
runpy.run_path(found[0])
