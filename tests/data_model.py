"""The reference data model: rows one sync of the seeded AAP leaves, per entity.

What expected/aap-*.yaml must say (tests/unit) and what the reference dashboard must store
(tests/dashboard), written down once, apart from the shipped files they check.
"""

DATA_MODEL = {
    "Currency": 5,
    "SyncJob": 6,
    "AAPUser": 1,
    "Organization": 2,
    "JobTemplate": 3,
    "Job": 4,
    "Project": 2,
    "Label": 2,
    "JobLabel": 6,
    "JobHostSummary": 4,
}
