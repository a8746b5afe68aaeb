//! The PX writer (PC-Axis, AXIS-VERSION 2013): no crate exists, so it is ours.
