"""Helpers the task files share (not tasks themselves): evidence and draft utilities (`common`),
time-interval arithmetic (`intervals`), visual-anchor clauses (`visual`), GUI quoting (`gui_text`),
robot episode access (`robot_common`) and the robot branch of t2v (`robot_t2v`)."""
