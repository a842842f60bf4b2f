"""The code both services share: the generated stubs (``agentconfig.v1``) and a small pure
library (entity kinds, canonical hashing, diff, conditions, errors).

Neither service imports the other; whatever they must agree on byte for byte lives here.
"""

from agentconfig.canonical import canonical_json, entity_hash, snapshot_hash, stable_json
from agentconfig.kinds import KINDS, Kind, kind_by_enum, kind_by_name

__all__ = [
    "KINDS",
    "Kind",
    "canonical_json",
    "entity_hash",
    "kind_by_enum",
    "kind_by_name",
    "snapshot_hash",
    "stable_json",
]
