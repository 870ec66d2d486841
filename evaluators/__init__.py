"""Domain plugins. The engine loads one by path (see evolve.plugin); goals' check.py may import helpers by name."""
