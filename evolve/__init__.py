"""evolve: an evolutionary optimizer for Agent Skills libraries.

The engine is domain-agnostic: it never imports a domain plugin by name (see DESIGN.md).
"""

__version__ = "0.1.0"
