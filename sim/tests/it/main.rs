//! Black-box tests of the simulator over TCP on 127.0.0.1 port 0.

mod config;
mod faults;
mod handsets;
mod interop;
mod kannel;
mod load;
mod pages;
mod sessions;
mod support;
