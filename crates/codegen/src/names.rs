//! placeholder module; owned by a helper, filled in this session.
