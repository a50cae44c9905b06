"""The pure scheduling domain: case view, policy, slots and meetings. No I/O."""
