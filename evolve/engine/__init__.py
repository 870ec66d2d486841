"""The evolution engine: operators propose child libraries, the gate screens them, selection keeps the best.

Domain-agnostic: nothing here imports a plugin or knows about TVB."""
