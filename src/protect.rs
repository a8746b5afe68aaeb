//! Protect: disclosure control of the published tables (publication.md, "Disclosure control").
