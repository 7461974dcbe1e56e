"""Notices (通知): outcomes to reporters; measures and the right to object to the other side."""
