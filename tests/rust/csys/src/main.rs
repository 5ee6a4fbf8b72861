//! Two threads call into bundled C that bumps a counter with no lock: the
//! race is in C, under Rust frames.

unsafe extern "C" {
    fn csys_bump();
    fn csys_total() -> std::ffi::c_long;
}

fn worker() {
    for _ in 0..2_000_000 {
        // SAFETY: csys_bump has no preconditions (and races, on purpose).
        unsafe { csys_bump() };
    }
}

fn main() {
    let a = std::thread::spawn(worker);
    let b = std::thread::spawn(worker);
    a.join().unwrap();
    b.join().unwrap();
    // SAFETY: no preconditions.
    println!("total {}", unsafe { csys_total() });
}
