# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)malformed|invalid|output
# One line of public IPython API sends a display message whose text/plain is not text.
# %%
from IPython.display import display
display({"text/plain": 5}, raw=True)
