# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)malformed|invalid|output|deep|recurs
# A display message whose JSON payload is nested 50,000 levels deep.
# %%
from IPython.display import display
nested = []
for _ in range(50000):
    nested = [nested]
display({"application/json": nested, "text/plain": "x"}, raw=True)
