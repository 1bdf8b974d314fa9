//! Chain parameters: every protocol constant, with presets.
