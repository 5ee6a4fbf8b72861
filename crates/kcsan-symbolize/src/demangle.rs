//! Symbol name demangling: Rust (legacy and v0) via `rustc-demangle`, C++
//! (Itanium ABI) via `cpp_demangle`, anything else (C) passed through.

/// Demangles a linkage name for display. Rust names lose their hash suffix;
/// names that no demangler accepts are returned unchanged.
pub(crate) fn demangle(name: &str) -> String {
    if (name.starts_with("_ZN") || name.starts_with("_R"))
        && let Ok(d) = rustc_demangle::try_demangle(name)
    {
        // `{:#}` omits the `::h0123456789abcdef` hash of legacy names.
        return format!("{d:#}");
    }
    if name.starts_with("_Z") {
        // cpp_demangle is defensive (recursion limits), but it parses
        // arbitrary bytes from object files: never let a bug in it take the
        // report down with it.
        let cpp = std::panic::catch_unwind(|| {
            cpp_demangle::Symbol::new(name.as_bytes())
                .ok()
                .and_then(|sym| sym.demangle().ok())
        });
        if let Ok(Some(d)) = cpp {
            return d;
        }
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn cpp() {
        assert_eq!(demangle("_ZN3foo3barEv"), "foo::bar()");
        assert_eq!(demangle("_Z6targeti"), "target(int)");
        assert_eq!(
            demangle("_ZNSt6vectorIiSaIiEE9push_backERKi"),
            "std::vector<int, std::allocator<int> >::push_back(int const&)"
        );
    }

    #[test]
    fn rust_legacy_drops_hash() {
        assert_eq!(
            demangle("_ZN4core3ptr13drop_in_place17h1234567890abcdefE"),
            "core::ptr::drop_in_place"
        );
        assert_eq!(
            demangle("_ZN8demo_app11test_kernel5write17hd41d8cd98f00b204E.llvm.1234"),
            "demo_app::test_kernel::write"
        );
    }

    #[test]
    fn rust_v0() {
        assert_eq!(demangle("_RNvCs1234_7mycrate3foo"), "mycrate::foo");
    }

    #[test]
    fn c_unchanged() {
        assert_eq!(demangle("test_kernel_write"), "test_kernel_write");
        assert_eq!(demangle("__libc_write"), "__libc_write");
        assert_eq!(demangle("main"), "main");
    }

    #[test]
    fn garbage_passes_through() {
        assert_eq!(demangle("_Z"), "_Z");
        assert_eq!(demangle("_ZN"), "_ZN");
        assert_eq!(demangle("_R"), "_R");
        assert_eq!(demangle("_ZZZZZZ!!"), "_ZZZZZZ!!");
        assert_eq!(demangle(""), "");
    }
}
