"""The two ways a replay fails, raised anywhere in it and turned into the report's status by `replay_evidence`.

- `Forged`: the evidence contradicts itself or the re-run (a record, array, sidecar or output that cannot be
  what the notebook really did).
- `Unconfirmed`: the replay cannot rebuild or re-run what the evidence describes (not evidence of tampering).
The message is the report's reason: it names the run and what differs.
"""


class Forged(Exception):
    """The evidence contradicts itself or the re-run."""


class Unconfirmed(Exception):
    """The replay cannot rebuild or re-run what the evidence describes."""
