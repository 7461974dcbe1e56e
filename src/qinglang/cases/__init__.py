"""Cases: grouping reports by target, grading (WS-19), deadlines (WS-3), review and decisions."""
