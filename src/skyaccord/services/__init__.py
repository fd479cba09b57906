"""Application services: the imperative shell that runs the pure rules against the store.

The API, the CLI and the live server call these; none of them touches the store directly.
"""
