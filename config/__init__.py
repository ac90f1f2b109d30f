"""Process configuration read from the environment (the bottom layer: imports nothing of ours)."""
