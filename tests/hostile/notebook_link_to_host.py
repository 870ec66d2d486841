# goal: jansen-rit-alpha
# expect: contained
# Plants notebook.ipynb (the name evolve saves the executed notebook under) as a link to a host file, in its
# folder and, if it can reach it, in the execution folder above.
# %%
import os
for target in ("notebook.ipynb", os.path.join("..", "notebook.ipynb")):
    try:
        os.symlink("HOSTILE_PROJECT_FILE", target)
        print("planted", target)
    except OSError as error:
        print("refused", target, type(error).__name__)
