//! Symbol name demangling: Rust (legacy and v0) via `rustc-demangle`, C++
//! (Itanium ABI) via `cpp_demangle`, anything else (C) passed through.

/// Demangles a linkage name for display. Rust names lose their hash suffix;
/// names that no demangler accepts are returned unchanged.
pub(crate) fn demangle(name: &str) -> String {
    if (name.starts_with("_ZN") || name.starts_with("_R"))
        && let Ok(d) = rustc_demangle::try_demangle(name)
    {
        // `{:#}` omits the `::h0123456789abcdef` hash of legacy names.
        return canonical_rust(&format!("{d:#}"));
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
    // DWARF names of inlined Rust code come unmangled (`{closure#0}`).
    if name.contains("{closure") || name.contains("::<") {
        return canonical_rust(name);
    }
    name.to_owned()
}

/// One spelling for a Rust path whichever mangling named it, so that a race
/// has the same title (and a suppression matches it) on the stable route
/// (legacy symbols) and the nightly one (v0): closures are `{closure}`
/// (legacy `{{closure}}`, v0 `{closure#0}`); the generic arguments v0
/// spells out (`foo::<u32>`, `W<u32>`) and legacy names by their parameters
/// (`W<T>`) are left out; and an inherent method is `Type::method` (legacy)
/// rather than `<Type>::method` (v0). Qualified trait paths
/// (`<Type as Trait>::method`) are the same in both and stay.
fn canonical_rust(name: &str) -> String {
    let flat = without_type_arguments(&closures_and_turbofish(name));
    // v0's inherent impl: `<path>::rest`, the path without ` as `.
    if let Some(inner) = flat.strip_prefix('<')
        && let Some(end) = inner.find(">::")
        && !inner[..end].contains(['<', '>', ' ', '[', '&', '*', '('])
    {
        return format!("{}{}", &inner[..end], &inner[end + 1..]);
    }
    flat
}

/// Drops `<...>` right after an identifier (`W<u32>` → `W`), leaving the
/// brackets of qualified paths (`<T as Trait>`, `<[T]>`) alone.
fn without_type_arguments(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let after_ident = out
            .chars()
            .last()
            .is_some_and(|p| p.is_alphanumeric() || p == '_');
        if c == '<' && after_ident {
            let mut depth = 1;
            for (_, d) in chars.by_ref() {
                match d {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `{{closure}}` and `{closure#N}` become `{closure}`; `::<...>` goes.
fn closures_and_turbofish(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{{closure}}") {
            out.push_str("{closure}");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{closure#") {
            let end = r.find('}').map_or(r.len(), |i| i + 1);
            out.push_str("{closure}");
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("::<") {
            // Skip to the matching `>`.
            let mut depth = 1;
            let mut end = r.len();
            for (i, c) in r.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &r[end..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
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
    fn legacy_and_v0_spell_a_path_alike() {
        use super::canonical_rust as c;
        assert_eq!(c("racy::main::{{closure}}"), "racy::main::{closure}");
        assert_eq!(c("racy::main::{closure#0}"), "racy::main::{closure}");
        assert_eq!(c("racy::work::<u32>"), "racy::work");
        assert_eq!(
            c("rayon::iter::plumbing::helper::<rayon::vec::Producer<u8>, racy::Sink>::{closure#1}"),
            "rayon::iter::plumbing::helper::{closure}"
        );
        assert_eq!(
            c("<racy::Foo as core::ops::Drop>::drop"),
            "<racy::Foo as core::ops::Drop>::drop"
        );
        // Inherent methods: legacy `Type::m`, v0 `<Type>::m`; generic types
        // are `W<T>` in legacy names and `W<u32>` in v0 ones.
        assert_eq!(c("impltest::Cnt::bump"), "impltest::Cnt::bump");
        assert_eq!(c("<impltest::Cnt>::bump"), "impltest::Cnt::bump");
        assert_eq!(c("impltest::W<T>::add"), "impltest::W::add");
        assert_eq!(c("<impltest::W<u32>>::add"), "impltest::W::add");
        assert_eq!(
            c("<impltest::W<u32>>::add::{closure#0}"),
            "impltest::W::add::{closure}"
        );
        assert_eq!(
            c("<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop"),
            "<alloc::vec::Vec as core::ops::drop::Drop>::drop"
        );
        // Legacy's `<impl [T]>` segment reads as a turbofish and goes.
        assert_eq!(c("core::slice::<impl [T]>::sort"), "core::slice::sort");
        assert_eq!(c("<[T]>::len"), "<[T]>::len");
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
