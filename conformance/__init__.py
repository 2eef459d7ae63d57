"""The poolspec conformance kit (not yet written: see the README's roadmap)."""
