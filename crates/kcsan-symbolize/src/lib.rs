//! In-process symbolizer for KCSAN report stacks: maps a code address to
//! `function+offset/size file:line`, with inline frames, for the executable
//! and every shared library loaded in the process.
//!
//! - [`Frame`]: one symbolized frame and its kernel-style rendering;
//! - [`Symbolizer`]: module map, per-module ELF/DWARF data and a per-pc cache.
//!
//! Which object holds a pc comes from `dl_iterate_phdr` (`modules`); each
//! object's symbol table and DWARF are loaded lazily, once (`elf`); names
//! are demangled for display (`demangle`).

mod demangle;
mod elf;
mod modules;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::elf::ElfInfo;
use crate::modules::{Change, Module, ModuleMap};

/// One symbolized frame. For a PC inside inlined code there are several frames
/// for the same pc: inlined ones first (innermost first, `inlined: true`), then
/// the real function containing the pc (`inlined: false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The address passed in.
    pub pc: usize,
    /// Demangled name: C++ via cpp_demangle, Rust via rustc-demangle in its
    /// `{:#}` form (no hash suffix); `None` if unknown.
    pub function: Option<String>,
    /// `pc` minus the start of the ELF symbol containing the pc (0 for
    /// inlined frames, and if only DWARF knows the function). When the function is unknown but the module is known,
    /// the pc's address within the module (`pc` minus the load bias, as
    /// `addr2line -e module` expects it).
    pub offset: usize,
    /// `st_size` of that ELF symbol (0 if unknown or inlined).
    pub size: usize,
    /// Source file path from DWARF line info (as recorded; joined with
    /// comp_dir if relative).
    pub file: Option<String>,
    /// Source line from DWARF line info.
    pub line: Option<u32>,
    /// Whether this frame is code inlined into the next frame.
    pub inlined: bool,
    /// Path of the ELF object (exe or .so) containing pc.
    pub module: Option<String>,
}

impl Frame {
    /// Kernel `%pS` style plus location, e.g. "test_kernel_write+0x1d/0x30 demo.c:42";
    /// for inlined frames `"inner_fn demo.c:12 [inline]"` (syzbot style); if the
    /// function is unknown "0x55d4c0a0c010 (module+0x1234)" or just "0x...".
    ///
    /// File paths under the current directory are shown relative to it.
    pub fn display(&self) -> String {
        let mut s = match (&self.function, &self.module) {
            (Some(f), _) if self.inlined => f.clone(),
            (Some(f), _) => format!("{f}+{:#x}/{:#x}", self.offset, self.size),
            (None, Some(m)) if !self.inlined => {
                format!("{:#x} ({m}+{:#x})", self.pc, self.offset)
            }
            (None, _) => format!("{:#x}", self.pc),
        };
        if let Some(file) = &self.file {
            s.push(' ');
            s.push_str(&short_path(file));
            if let Some(line) = self.line {
                s.push_str(&format!(":{line}"));
            }
        }
        if self.inlined {
            s.push_str(" [inline]");
        }
        s
    }

    /// Kernel `%ps`: just the function name (or `"0x<pc>"` if unknown).
    pub fn name(&self) -> String {
        match &self.function {
            Some(f) => f.clone(),
            None => format!("{:#x}", self.pc),
        }
    }

    /// A frame for an address nothing is known about.
    fn unknown(pc: usize) -> Frame {
        Frame {
            pc,
            function: None,
            offset: 0,
            size: 0,
            file: None,
            line: None,
            inlined: false,
            module: None,
        }
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// `path` relative to the current directory if it lies below it: how
/// reports show source files (frames and the `SUMMARY:` line alike).
pub fn short_path(path: &str) -> String {
    if let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = Path::new(path).strip_prefix(&cwd)
        && !rel.as_os_str().is_empty()
    {
        return rel.to_string_lossy().into_owned();
    }
    path.to_owned()
}

/// A function found by name ([`Symbolizer::find_functions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRange {
    /// Run-time address of its first instruction.
    pub start: usize,
    /// Run-time address just past its code.
    pub end: usize,
    /// Its demangled name, as reports show it.
    pub name: String,
}

/// Caches loaded modules; not Sync-critical (the caller serializes use with a lock).
pub struct Symbolizer {
    /// Loaded objects and where they are.
    modules: ModuleMap,
    /// Per object (path, load bias): its symbols and DWARF, or `None` if it
    /// could not be read.
    elves: HashMap<(Arc<str>, usize), Option<ElfInfo>>,
    /// Results by (pc, exact).
    cache: HashMap<(usize, bool), Vec<Frame>>,
}

impl fmt::Debug for Symbolizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Symbolizer")
            .field("modules", &self.modules.len())
            .field("loaded", &self.elves.len())
            .field("cached_pcs", &self.cache.len())
            .finish()
    }
}

impl Default for Symbolizer {
    fn default() -> Symbolizer {
        Symbolizer::new()
    }
}

impl Symbolizer {
    /// A symbolizer that has loaded nothing yet (cheap; no syscalls).
    pub fn new() -> Symbolizer {
        Symbolizer {
            modules: ModuleMap::default(),
            elves: HashMap::new(),
            cache: HashMap::new(),
        }
    }

    /// `pc` is a return address taken from a stack unwind (or an exact pc if `exact`).
    /// For return addresses look up pc-1 (so the call instruction is found) but report
    /// offset relative to the original pc, as the kernel's %pS does for return addresses.
    ///
    /// Never empty: at least one frame (function `None` if unknown).
    pub fn symbolize(&mut self, pc: usize, exact: bool) -> Vec<Frame> {
        let change = self.modules.refresh();
        self.forget(change);
        if let Some(frames) = self.cache.get(&(pc, exact)) {
            return frames.clone();
        }
        let frames = self.resolve(pc, exact);
        debug_assert!(!frames.is_empty());
        self.cache.insert((pc, exact), frames.clone());
        frames
    }

    /// The code of every function whose demangled name (as reports show it)
    /// `wanted` accepts, in the executable and the shared libraries loaded
    /// now. The system's libraries (libc, libstdc++, ...) are not searched:
    /// they are not instrumented, and demangling all their names would cost
    /// more than the search itself.
    pub fn find_functions(&mut self, wanted: &dyn Fn(&str) -> bool) -> Vec<FunctionRange> {
        self.search_objects(|elf| {
            elf.functions()
                .filter_map(|(raw, start, end)| {
                    let name = demangle::demangle(raw);
                    wanted(&name).then_some((start, end, name))
                })
                .collect()
        })
    }

    /// Like [`Symbolizer::find_functions`], for the code where functions were
    /// inlined (DWARF inlined subroutines): a report names an inlined function
    /// when its containing frame is cut (Rust closures inlined into the
    /// standard library's thread start). Walks the DWARF of every object
    /// searched, so it costs more than the symbol lookup: ask only for names
    /// the symbols do not have.
    pub fn find_inlined(&mut self, wanted: &dyn Fn(&str) -> bool) -> Vec<FunctionRange> {
        self.search_objects(|elf| elf.inlined_ranges(wanted))
    }

    /// Runs `search` over every loaded object but the system's libraries
    /// and turns the ELF ranges it returns into run-time ones.
    fn search_objects(
        &mut self,
        search: impl Fn(&ElfInfo) -> Vec<(u64, u64, String)>,
    ) -> Vec<FunctionRange> {
        let (modules, change) = self.modules.all();
        let modules: Vec<Module> = modules.to_vec();
        self.forget(change);
        let mut found = Vec::new();
        for module in &modules {
            if elf::is_system_library(Path::new(&*module.path)) {
                continue;
            }
            let elf = self
                .elves
                .entry(module.key())
                .or_insert_with(|| ElfInfo::load(&module.open_path, Path::new(&*module.path)));
            let Some(elf) = elf.as_ref() else { continue };
            found.extend(
                search(elf)
                    .into_iter()
                    .map(|(start, end, name)| FunctionRange {
                        start: module.bias.wrapping_add(start as usize),
                        end: module.bias.wrapping_add(end as usize),
                        name,
                    }),
            );
        }
        found
    }

    /// Drops what a change in the loaded objects made stale.
    fn forget(&mut self, change: Change) {
        match change {
            Change::None => {}
            // Addresses that were in no object may be in a new one now.
            Change::Added => self.cache.retain(|_, frames| frames[0].module.is_some()),
            // Another object may now live where the unloaded one was.
            Change::Removed => {
                let modules = &self.modules;
                self.elves.retain(|key, _| modules.has(key));
                self.cache.clear();
            }
        }
    }

    /// Symbolizes without the per-pc cache.
    fn resolve(&mut self, pc: usize, exact: bool) -> Vec<Frame> {
        let lookup = if exact { pc } else { pc.wrapping_sub(1) };
        let (module, change) = self.modules.find(lookup);
        let module = module.cloned();
        self.forget(change);
        let Some(module) = module else {
            return vec![Frame::unknown(pc)];
        };
        let elf = self
            .elves
            .entry(module.key())
            .or_insert_with(|| ElfInfo::load(&module.open_path, Path::new(&*module.path)))
            .as_ref();
        build_frames(pc, lookup, &module, elf)
    }
}

/// The frames for `pc` (looked up at `lookup`) in `module`.
fn build_frames(pc: usize, lookup: usize, module: &Module, elf: Option<&ElfInfo>) -> Vec<Frame> {
    let module_name = Some(module.path.to_string());
    // ELF virtual addresses of the lookup address and of the pc itself.
    let probe = lookup.wrapping_sub(module.bias);
    let pc_rel = pc.wrapping_sub(module.bias);

    let sym = elf.and_then(|e| e.symbol(probe as u64));
    let mut dwarf = elf
        .map(|e| e.dwarf_frames(probe as u64))
        .unwrap_or_default();
    let outer = dwarf.pop().unwrap_or_default();

    let mut frames: Vec<Frame> = dwarf
        .into_iter()
        .map(|d| Frame {
            pc,
            function: d.function,
            offset: 0,
            size: 0,
            file: d.file,
            line: d.line,
            inlined: true,
            module: module_name.clone(),
        })
        .collect();

    let (function, offset, size) = match sym {
        Some(s) => (
            Some(demangle::demangle(s.name)),
            pc_rel.wrapping_sub(s.addr as usize),
            s.size as usize,
        ),
        None => match outer.function {
            Some(f) => (Some(f), 0, 0),
            None => (None, pc_rel, 0),
        },
    };
    frames.push(Frame {
        pc,
        function,
        offset,
        size,
        file: outer.file,
        line: outer.line,
        inlined: false,
        module: module_name,
    });
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: Option<&str>, inlined: bool) -> Frame {
        Frame {
            pc: 0x55d4c0a0c010,
            function: function.map(str::to_owned),
            offset: 0x1d,
            size: 0x30,
            file: Some("/nonexistent/dir/demo.c".into()),
            line: Some(42),
            inlined,
            module: Some("/usr/bin/demo".into()),
        }
    }

    #[test]
    fn display_formats() {
        let f = frame(Some("test_kernel_write"), false);
        assert_eq!(
            f.display(),
            "test_kernel_write+0x1d/0x30 /nonexistent/dir/demo.c:42"
        );
        assert_eq!(f.name(), "test_kernel_write");

        let mut f = frame(Some("inner_fn"), true);
        f.offset = 0;
        f.size = 0;
        f.line = Some(12);
        assert_eq!(f.display(), "inner_fn /nonexistent/dir/demo.c:12 [inline]");

        let mut f = frame(None, false);
        f.offset = 0x1234;
        f.file = None;
        f.line = None;
        assert_eq!(f.display(), "0x55d4c0a0c010 (/usr/bin/demo+0x1234)");
        assert_eq!(f.name(), "0x55d4c0a0c010");

        f.module = None;
        assert_eq!(f.display(), "0x55d4c0a0c010");
        assert_eq!(f.to_string(), f.display());
    }

    #[test]
    fn display_shortens_paths_under_cwd() {
        let cwd = std::env::current_dir().unwrap();
        let mut f = frame(Some("f"), false);
        f.file = Some(cwd.join("demo.c").to_string_lossy().into_owned());
        assert_eq!(f.display(), "f+0x1d/0x30 demo.c:42");
    }

    #[test]
    fn symbolizer_is_send() {
        fn send<T: Send>() {}
        send::<Symbolizer>();
    }
}
