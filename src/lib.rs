//! The root package of the weakattach workspace. It is not published: it
//! hosts the integration tests, the compile-fail suite, the examples and the
//! benchmarks, and compiles every Rust block of `README.md` as a doctest.

#![doc = include_str!("../README.md")]
