//! JSON-stat 2.0 datasets, one per language.
