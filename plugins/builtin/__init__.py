"""Built-in state systems, registered through the same plugin manager as third-party ones."""
