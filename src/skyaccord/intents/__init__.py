"""Operational intents: planned 4D operations, their lifecycle and the strategic rules.

``model`` holds the types and the state machine; ``rules`` the pure conflict, key and
notice checks; ``service`` runs them against the store.
"""
