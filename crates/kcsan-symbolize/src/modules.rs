//! The module map: which ELF objects (the executable and its shared libraries)
//! are loaded, where, and which one contains a given address, from
//! `dl_iterate_phdr(3)`.

use std::ffi::{CStr, c_int, c_void};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One loaded ELF object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Module {
    /// Path reported in frames: the object's path as the loader knows it (for
    /// the executable, the target of `/proc/self/exe`).
    pub(crate) path: Arc<str>,
    /// Path to open to read the object (`/proc/self/exe` for the executable,
    /// which keeps working even if the file was replaced on disk).
    pub(crate) open_path: PathBuf,
    /// Load bias (`dlpi_addr`): runtime address minus ELF virtual address.
    pub(crate) bias: usize,
    /// Runtime address ranges of the object's `PT_LOAD` segments.
    pub(crate) ranges: Vec<Range<usize>>,
}

impl Module {
    /// Whether runtime address `pc` lies in one of the object's segments.
    pub(crate) fn contains(&self, pc: usize) -> bool {
        self.ranges.iter().any(|r| r.contains(&pc))
    }

    /// Identity of a loaded object: the same file at the same place.
    pub(crate) fn key(&self) -> (Arc<str>, usize) {
        (self.path.clone(), self.bias)
    }
}

/// What changed in the set of loaded objects since the previous look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Nothing (or not known to have changed).
    None,
    /// Objects were loaded, none unloaded.
    Added,
    /// Some object known before is gone (dlclose'd): anything cached by
    /// address may now be wrong.
    Removed,
}

/// Loader counters `(dlpi_adds, dlpi_subs)`: objects ever loaded and
/// unloaded. Any dlopen/dlclose changes them.
type Generation = (libc::c_ulonglong, libc::c_ulonglong);

/// Cached list of loaded objects, kept current with the loader's
/// load/unload counters where the C library reports them (glibc, musl),
/// else re-scanned on a miss.
#[derive(Debug, Default)]
pub(crate) struct ModuleMap {
    modules: Vec<Module>,
    /// Counters as of `modules`; `None` before the first scan or if the C
    /// library does not report them.
    generation: Option<Generation>,
    scanned: bool,
}

impl ModuleMap {
    /// Brings the list up to date if the loader reports that objects were
    /// loaded or unloaded since the last scan (cheap: one callback of
    /// `dl_iterate_phdr`). The first call scans.
    pub(crate) fn refresh(&mut self) -> Change {
        if !self.scanned {
            return self.rescan();
        }
        match (self.generation, generation()) {
            (Some(old), Some(now)) if old != now => self.rescan(),
            _ => Change::None,
        }
    }

    /// The module containing `pc`. Without loader counters, a miss re-scans
    /// the loaded objects once (a library may have been dlopen'ed since).
    pub(crate) fn find(&mut self, pc: usize) -> (Option<&Module>, Change) {
        let mut change = Change::None;
        if !self.scanned || (self.position(pc).is_none() && self.generation.is_none()) {
            change = self.rescan();
        }
        (self.position(pc).map(|i| &self.modules[i]), change)
    }

    /// Index of the module containing `pc` in the current list, if any.
    fn position(&self, pc: usize) -> Option<usize> {
        self.modules.iter().position(|m| m.contains(pc))
    }

    /// Replaces the list with a fresh scan and says how it changed.
    fn rescan(&mut self) -> Change {
        let (fresh, generation) = scan();
        let change = if self.modules.iter().any(|old| !fresh.contains(old)) {
            Change::Removed
        } else if fresh.len() != self.modules.len() {
            Change::Added
        } else {
            Change::None
        };
        self.modules = fresh;
        self.generation = generation;
        self.scanned = true;
        change
    }

    /// Whether an object with this identity is in the current list.
    pub(crate) fn has(&self, key: &(Arc<str>, usize)) -> bool {
        self.modules
            .iter()
            .any(|m| m.path == key.0 && m.bias == key.1)
    }

    /// The objects in the current list (brought up to date first).
    pub(crate) fn all(&mut self) -> (&[Module], Change) {
        let change = self.rescan();
        (&self.modules, change)
    }

    /// Number of objects in the current list.
    pub(crate) fn len(&self) -> usize {
        self.modules.len()
    }
}

/// State threaded through the `dl_iterate_phdr` callbacks.
#[derive(Default)]
struct ScanState {
    modules: Vec<Module>,
    /// Index of the object being visited (the first one is the executable).
    index: usize,
    /// Loader counters, if reported.
    generation: Option<Generation>,
    /// Stop after the first object (only the counters are wanted).
    counters_only: bool,
}

/// Lists the currently loaded objects, skipping those that are not files
/// (the vDSO), with the loader counters at the time of the scan.
pub(crate) fn scan() -> (Vec<Module>, Option<Generation>) {
    let state = iterate(ScanState::default());
    (state.modules, state.generation)
}

/// The loader's current `(adds, subs)` counters, if it reports them.
fn generation() -> Option<Generation> {
    iterate(ScanState {
        counters_only: true,
        ..ScanState::default()
    })
    .generation
}

/// Runs `dl_iterate_phdr` with `callback` over `state`.
fn iterate(mut state: ScanState) -> ScanState {
    // SAFETY:
    // - `callback` matches the signature dl_iterate_phdr expects and only
    //   reads the `dl_phdr_info` it is handed, during the call;
    // - `data` points to `state`, which outlives the call and is accessed only
    //   by the callback (dl_iterate_phdr calls it synchronously on this thread).
    unsafe {
        libc::dl_iterate_phdr(Some(callback), (&raw mut state).cast::<c_void>());
    }
    state
}

/// `dl_iterate_phdr` callback: records one object into the `ScanState` behind `data`.
///
/// # Safety
/// `info` must point to a valid `dl_phdr_info` (with `dlpi_phnum` program
/// headers at `dlpi_phdr`) and `data` to a live `ScanState` not otherwise
/// borrowed, as `scan` guarantees.
unsafe extern "C" fn callback(
    info: *mut libc::dl_phdr_info,
    size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY:
    // - `scan` passes a pointer to its own `ScanState`, live and unaliased
    //   for the whole dl_iterate_phdr call.
    let state = unsafe { &mut *data.cast::<ScanState>() };
    // Fields are read through the raw pointer, without making a reference to
    // the whole struct: an older C library may pass a shorter one (`size`).
    // SAFETY:
    // - the dynamic loader passes a valid `dl_phdr_info` for the duration of
    //   the callback, and these four fields are present in every version of
    //   it; we only read them.
    let (bias, name_ptr, phdr, phnum) = unsafe {
        (
            (*info).dlpi_addr as usize,
            (*info).dlpi_name,
            (*info).dlpi_phdr,
            usize::from((*info).dlpi_phnum),
        )
    };
    let index = state.index;
    state.index += 1;

    let counters_end = std::mem::offset_of!(libc::dl_phdr_info, dlpi_subs)
        + std::mem::size_of::<libc::c_ulonglong>();
    if size >= counters_end {
        // SAFETY:
        // - `size` (the struct size the C library passed) says the
        //   dlpi_adds/dlpi_subs fields are there; we only read them.
        let (adds, subs) = unsafe { ((*info).dlpi_adds, (*info).dlpi_subs) };
        state.generation = Some((adds, subs));
    }
    if state.counters_only {
        return 1;
    }

    let name = if name_ptr.is_null() {
        &[][..]
    } else {
        // SAFETY:
        // - a non-null `dlpi_name` is a NUL-terminated string owned by the
        //   loader, valid during the callback; we copy it before returning.
        unsafe { CStr::from_ptr(name_ptr) }.to_bytes()
    };
    let (path, open_path): (Arc<str>, PathBuf) = if name.is_empty() {
        // The executable has an empty name; any other nameless object is not
        // something we can open.
        if index != 0 {
            return 0;
        }
        let exe = Path::new("/proc/self/exe");
        let real = std::fs::read_link(exe).unwrap_or_else(|_| exe.to_path_buf());
        (real.to_string_lossy().into(), exe.to_path_buf())
    } else {
        let name = String::from_utf8_lossy(name).into_owned();
        let p = PathBuf::from(&name);
        // The vDSO ("linux-vdso.so.1") has a name that is not a file.
        if !p.is_file() {
            return 0;
        }
        (name.into(), p)
    };

    let phdrs = if phdr.is_null() || phnum == 0 {
        &[][..]
    } else {
        // SAFETY:
        // - the loader guarantees `dlpi_phdr` points to `dlpi_phnum` program
        //   headers of this object, mapped for as long as the object is loaded
        //   (at least for the duration of the callback);
        // - we only read them, before returning.
        unsafe { std::slice::from_raw_parts(phdr, phnum) }
    };
    let ranges: Vec<Range<usize>> = phdrs
        .iter()
        .filter(|ph| ph.p_type == libc::PT_LOAD && ph.p_memsz != 0)
        .map(|ph| {
            let start = bias.wrapping_add(ph.p_vaddr as usize);
            start..start.saturating_add(ph.p_memsz as usize)
        })
        .collect();
    if !ranges.is_empty() {
        state.modules.push(Module {
            path,
            open_path,
            bias,
            ranges,
        });
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_exe_and_libc() {
        let (mods, generation) = scan();
        assert!(generation.is_some(), "glibc and musl report dlpi_adds/subs");
        assert_eq!(generation, super::generation());
        assert!(!mods.is_empty());
        assert_eq!(mods[0].open_path, Path::new("/proc/self/exe"));
        let here = scan_finds_exe_and_libc as *const () as usize;
        assert!(mods[0].contains(here), "{mods:#?}");
        assert!(mods.iter().any(|m| m.path.contains("libc")), "{mods:#?}");
        assert!(!mods.iter().any(|m| m.path.contains("vdso")), "{mods:#?}");
    }

    #[test]
    fn find_misses_garbage() {
        let mut map = ModuleMap::default();
        assert_eq!(map.refresh(), Change::Added);
        assert_eq!(map.refresh(), Change::None);
        assert!(map.find(0).0.is_none());
        assert!(map.find(1).0.is_none());
        assert!(map.find(usize::MAX).0.is_none());
        assert!(map.len() > 0);
    }
}
