"""Helpers for tests and benchmarks: throwaway real servers, never mocks."""
