"""Report intake: completeness under WS-5, evidence, channels and zones, grouping into cases."""
