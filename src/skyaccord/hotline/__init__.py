"""The hotline: items addressed to parties, acknowledgement deadlines, escalation, threads.

``model`` holds the types and the pure policy (severity, deadlines, escalation); the service
that stores and delivers items is :mod:`skyaccord.services.hotline`.
"""
