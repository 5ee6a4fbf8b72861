use kcsan_symbolize::Symbolizer;
#[test]
fn show() {
    let mut s = Symbolizer::new();
    let w = libc::write as unsafe extern "C" fn(i32, *const libc::c_void, usize) -> isize as usize;
    static DATA: [u8; 64] = [0; 64];
    for (pc, exact) in [(w, true), (w + 3, false), (DATA.as_ptr() as usize, true), (std::process::id as fn() -> u32 as usize, true), (Vec::<u8>::push as fn(&mut Vec<u8>, u8) as usize + 10, false), (libc::malloc as unsafe extern "C" fn(usize) -> *mut libc::c_void as usize, true)] {
        for f in s.symbolize(pc, exact) { println!("{}    {:?}", f.display(), f); }
    }
    let t = std::time::Instant::now();
    println!("{:?}", s);
    let _ = t;
}
