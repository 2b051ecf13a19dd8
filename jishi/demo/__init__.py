"""The demo county: a fictitious organisation (示范县) at a real county's scale, and text
generators for the citizen messages and official replies that fill its ledger.

Everything here is invented from vocabularies written for this project; nothing is copied
from real messages. Output is deterministic for a seed so demos and tests repeat exactly.
"""
